import { numberField, stringField, type Frame, type FrameNotice } from '../grafana';
import { HEALTH_FIELDS, HEALTH_FIELD_NAMES, type HealthField, type HealthQuery } from '../../query';
import type { Deployment } from '../tesseract/deployment';
import { healthFieldApplies, probeHealth, type HealthReport } from '../tesseract/health';
import { DATAPLANE_VERSION, labelColumns, type HandlerContext } from './common';

const NOT_APPLICABLE = 'n/a';

/**
 * Health never fails for chain reasons: an unreachable RPC is `up = 0` with its error text, so that
 * "node disconnected" can alert. `table`: one row per deployment; `value`: one numeric-multi frame per
 * deployment holding the chosen field, labelled chain / chain_id / contract, leaving out deployments whose
 * ABI lacks the field's function (so an alert rule over every deployment has no instance for them).
 */
export async function healthQuery(ctx: HandlerContext<HealthQuery>): Promise<Frame[]> {
  // The health panels of one refresh share the head request and the reads at it (see Deployment.head).
  const reports = await Promise.all(ctx.deployments.map((deployment) => probeHealth(deployment)));
  reports.forEach((report, i) => {
    if (report.lastError) {
      ctx.logger.warn('Health probe error', { chain: ctx.deployments[i].name, error: report.lastError });
    }
  });
  return ctx.query.format === 'value' ? valueFrames(ctx, reports) : [tableFrame(ctx, reports)];
}

function valueFrames(ctx: HandlerContext<HealthQuery>, reports: HealthReport[]): Frame[] {
  const field = ctx.query.field;
  const info = HEALTH_FIELDS[field];
  return ctx.deployments.flatMap((deployment, i) => {
    if (!healthFieldApplies(deployment, field)) {
      return [];
    }
    const report = reports[i];
    return {
      name: `${deployment.name} ${field}`,
      meta: {
        type: 'numeric-multi',
        typeVersion: DATAPLANE_VERSION,
        notices: reportNotices(deployment, report, field === 'head_age_seconds'),
      },
      fields: [
        numberField(field, [report.values[field]], {
          labels: deployment.labels,
          nullable: true,
          config: {
            unit: info.unit,
            displayNameFromDS: `${deployment.name} ${info.label.toLowerCase()}`,
            noValue: NOT_APPLICABLE,
          },
        }),
      ],
    };
  });
}

/**
 * A failed probe and discarded stored data (damaged, torn, another format) are said where the dashboard shows
 * health; so is a head stamped ahead of this server's clock, wherever the head's age is shown.
 */
function reportNotices(deployment: Deployment, report: HealthReport, showsHeadAge: boolean): FrameNotice[] {
  const notices: FrameNotice[] = [report.lastError, report.indexStore].flatMap((problem) =>
    problem ? [{ severity: 'warning' as const, text: `${deployment.name}: ${problem}` }] : []
  );
  const skew = report.values.clock_skew_seconds;
  if (showsHeadAge && skew) {
    notices.push({
      severity: 'info',
      text: `${deployment.name}: the head block's timestamp is ${skew} s ahead of this server's clock, so its age reads 0`,
    });
  }
  return notices;
}

function tableFrame(ctx: HandlerContext<HealthQuery>, reports: HealthReport[]): Frame {
  const rows = ctx.deployments.map((deployment, i) => ({ deployment, report: reports[i] }));
  const numeric = (field: HealthField) =>
    numberField(
      field,
      rows.map(({ report }) => report.values[field]),
      {
        nullable: true,
        config: { unit: HEALTH_FIELDS[field].unit, displayName: HEALTH_FIELDS[field].label, noValue: NOT_APPLICABLE },
      }
    );
  return {
    name: 'health',
    meta: {
      preferredVisualisationType: 'table',
      notices: rows.flatMap(({ deployment, report }) => reportNotices(deployment, report, true)),
    },
    fields: [
      ...labelColumns(rows, (row) => row.deployment),
      ...HEALTH_FIELD_NAMES.map(numeric),
      stringField(
        'owner',
        rows.map(({ report }) => report.owner),
        { nullable: true, config: { noValue: NOT_APPLICABLE } }
      ),
      stringField(
        'accepting_reason',
        rows.map(({ report }) => report.acceptingReason),
        { nullable: true }
      ),
      stringField(
        'last_error',
        rows.map(({ report }) => report.lastError),
        { nullable: true }
      ),
      stringField(
        'index_store_warning',
        rows.map(({ report }) => report.indexStore),
        { nullable: true }
      ),
    ],
  };
}
