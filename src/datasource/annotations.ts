import { FieldType, type AnnotationEvent, type DataFrame, type Field } from '@grafana/data';
import { LABEL_CHAIN } from '../query';

/** Events shown as annotations by default: what an operator must see on every time series. */
export const ANNOTATION_EVENTS = ['TransactionFailed', 'EmergencyPause'];

function fieldNamed(frame: DataFrame, name: string): Field | undefined {
  return frame.fields.find((field) => field.name === name);
}

/**
 * Maps the rows of events frames (one row per decoded log) to annotations: the event and chain make
 * the title, the backend's `text` column (else tx_id and failure reason) the text, event and chain the tags.
 */
export function eventsToAnnotations(frames: DataFrame[]): AnnotationEvent[] {
  const annotations: AnnotationEvent[] = [];
  for (const frame of frames) {
    const time = frame.fields.find((field) => field.type === FieldType.time);
    if (!time) {
      continue;
    }
    const event = fieldNamed(frame, 'event');
    const chain = fieldNamed(frame, LABEL_CHAIN);
    const txId = fieldNamed(frame, 'tx_id');
    const reason = fieldNamed(frame, 'reason');
    const summary = fieldNamed(frame, 'text');
    const frameChain = frame.fields.find((field) => field.labels?.[LABEL_CHAIN])?.labels?.[LABEL_CHAIN];
    for (let row = 0; row < time.values.length; row++) {
      const eventName = String(event?.values[row] ?? 'Tesseract event');
      const chainName = String(chain?.values[row] ?? frameChain ?? '');
      const text = summary?.values[row]
        ? [String(summary.values[row])]
        : [
            txId?.values[row] ? `tx_id ${txId.values[row]}` : '',
            reason?.values[row] ? `reason: ${reason.values[row]}` : '',
          ];
      annotations.push({
        time: Number(time.values[row]),
        title: chainName ? `${eventName} on ${chainName}` : eventName,
        text: text.filter((line) => line !== '').join('\n'),
        tags: ['tesseract', eventName, ...(chainName ? [chainName] : [])],
      });
    }
  }
  return annotations;
}
