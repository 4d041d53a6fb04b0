import type { Unit } from '../../../query';

const UNIT_LABELS: Record<Unit, string> = {
  short: 'count',
  none: 'value',
  percentunit: '%',
  s: 'seconds',
  ms: 'ms',
  bool_yes_no: 'yes/no',
  'suffix: tx/min': 'tx/min',
  locale: 'number',
};

/** How a catalogue unit is shown to the user next to a metric or health value. */
export function unitLabel(unit: Unit): string {
  return UNIT_LABELS[unit];
}
