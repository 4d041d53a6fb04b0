/**
 * What the Alerting setup page writes: Tesseract's rule definitions (src/alerting, the same source the
 * provisioning files are generated from) for the chosen data source, deployments, folder and contact
 * points, with a readable condition per rule for the preview.
 */
import { tesseractAlertRules, type AlertRule, type AlertTarget } from '../alerting';

/** Where rules send notifications: the contact point chosen for each. */
export const FEEDS = ['critical', 'warning', 'failures'] as const;
export type Feed = (typeof FEEDS)[number];

export const RULE_GROUP = 'tesseract';
export const RULE_GROUP_INTERVAL_SECONDS = 60;

export interface SetupChoice {
  dataSource: { uid: string; name: string };
  /** Deployment names; empty means every deployment, including those added later. */
  deployments: string[];
  folderUid: string;
  /** Contact point name per feed. */
  receivers: Record<Feed, string>;
}

export interface PlannedRule {
  rule: AlertRule;
  /** The rule's condition in words, e.g. "last(failure_ratio) > 0.1 for 5m". */
  condition: string;
}

/** FNV-1a, 32 bits: a short, stable digest that needs no secure context (crypto.subtle does). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * Rule uids are `<prefix>-<rule key>`: the prefix is derived from the data source uid, so running the
 * page again for the same data source addresses the same rules, and another data source gets its own.
 * It never equals the provisioning files' `tesseract-` uids, whose rules Grafana keeps locked.
 */
export function uidPrefixFor(dataSourceUid: string): string {
  return `tesseract-${fnv1a(dataSourceUid).toString(36)}`;
}

export function alertTarget(choice: SetupChoice): AlertTarget {
  return {
    datasourceUid: choice.dataSource.uid,
    folderUid: choice.folderUid,
    ruleGroup: RULE_GROUP,
    intervalSeconds: RULE_GROUP_INTERVAL_SECONDS,
    receivers: choice.receivers,
    deployments: choice.deployments,
    uidPrefix: uidPrefixFor(choice.dataSource.uid),
    // Titles are unique within a folder: the data source's name keeps two setups (or the files') apart.
    titleSuffix: ` (${choice.dataSource.name})`,
  };
}

export function planRules(choice: SetupChoice): PlannedRule[] {
  return tesseractAlertRules(alertTarget(choice)).map((rule) => ({ rule, condition: conditionText(rule) }));
}

const OPERATORS: Record<string, string> = { gt: '>', lt: '<', gte: '>=', lte: '<=', eq: '=', ne: '!=' };

function shortDuration(seconds: number): string {
  for (const [unit, size] of [
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= size && seconds % size === 0) {
      return `${seconds / size}${unit}`;
    }
  }
  return `${seconds}s`;
}

/**
 * Follows the condition through Grafana's expressions (threshold, reduce, math) down to the data source
 * queries; when a rule compares several queries, each says its time range (`[20m..10m ago]`).
 */
export function conditionText(rule: AlertRule): string {
  const ranged = rule.data.filter((query) => query.datasourceUid !== '__expr__').length > 1;
  const range = ({ from, to }: { from: number; to: number }) =>
    to === 0 ? `[${shortDuration(from)}]` : `[${shortDuration(from)}..${shortDuration(to)} ago]`;
  const describe = (refId: string, depth: number): string => {
    const query = rule.data.find((candidate) => candidate.refId === refId);
    if (!query || depth > 8) {
      return refId;
    }
    const model = query.model;
    if (query.datasourceUid !== '__expr__') {
      const what = [model.metrics, model.field, model.eventNames]
        .flat()
        .filter((item): item is string => typeof item === 'string' && item !== '');
      const name = what.length > 0 ? what.join(', ') : String(model.queryType ?? refId);
      return ranged ? `${name}${range(query.relativeTimeRange)}` : name;
    }
    const input = typeof model.expression === 'string' ? model.expression : '';
    switch (model.type) {
      case 'threshold': {
        const conditions = model.conditions as Array<{ evaluator?: { type?: string; params?: number[] } }> | undefined;
        const evaluator = conditions?.[0]?.evaluator;
        const params = evaluator?.params ?? [];
        const inner = describe(input, depth + 1);
        if (evaluator?.type === 'within_range' || evaluator?.type === 'outside_range') {
          return `${inner} ${evaluator.type === 'within_range' ? 'within' : 'outside'} ${params[0]}..${params[1]}`;
        }
        return `${inner} ${OPERATORS[evaluator?.type ?? ''] ?? evaluator?.type} ${params[0]}`;
      }
      case 'reduce':
        return `${String(model.reducer)}(${describe(input, depth + 1)})`;
      case 'math':
        return input.replace(/\$\{?([A-Za-z0-9_]+)\}?/g, (_, ref: string) => describe(ref, depth + 1));
      default:
        return `${String(model.type)}(${describe(input, depth + 1)})`;
    }
  };
  const duration = rule.for && rule.for !== '0s' ? ` for ${rule.for}` : '';
  return `${describe(rule.condition, 0)}${duration}`;
}
