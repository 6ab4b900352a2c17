import client from 'prom-client';
import { type Application, ApplicationModel } from '../db/models/application.ts';
import { registry } from '../metrics.ts';

const DAYS = 30;
const MISMATCHES = ['differs', 'notFound'];
const FINAL = ['approved', 'rejected'];

/** The middle of the values (the mean of the two middle ones for an even count); undefined for none. */
function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * A university's review in numbers (issue 27 item 6), for the queue page: applications waiting, those
 * of them whose items differ from the register or whose student ID it lacks, and over the last 30 days'
 * submissions the median hours to the first decision and the share of final decisions that approved.
 */
export async function reviewNumbers(tenantId: string, now = new Date()) {
  const since = new Date(now.getTime() - DAYS * 86_400_000);
  const [waiting, mismatches, recent] = await Promise.all([
    ApplicationModel.countDocuments({ tenantId, status: 'pending' }),
    ApplicationModel.countDocuments({ tenantId, status: 'pending', 'registerMatch.summary': { $in: MISMATCHES } }),
    ApplicationModel.find({ tenantId, submittedAt: { $gte: since } }, { submittedAt: 1, decisions: 1, status: 1 }).lean<
      Application[]
    >(),
  ]);
  const hours = recent.flatMap((a) => {
    const first = a.decisions.find((d) => d.action !== 'resubmitted');
    return first ? [(first.at.getTime() - a.submittedAt.getTime()) / 3_600_000] : [];
  });
  const final = recent.filter((a) => FINAL.includes(a.status));
  const approved = final.filter((a) => a.status === 'approved').length;
  return {
    waiting,
    mismatches,
    days: DAYS,
    medianHours: median(hours),
    approvedPercent: final.length ? Math.round((100 * approved) / final.length) : undefined,
  };
}

/** The same as a scrape finds it, by university: applications waiting, and those that differ from the register. */
export function registerReviewMetrics(): void {
  if (registry.getSingleMetric('cert_idp_review_waiting')) return;
  const byTenant = (match: Record<string, unknown>) =>
    ApplicationModel.aggregate<{ _id: string; count: number }>([
      { $match: match },
      { $group: { _id: '$tenantId', count: { $sum: 1 } } },
    ]);
  new client.Gauge({
    name: 'cert_idp_review_waiting',
    help: 'Applications waiting for a decision, by university',
    labelNames: ['tenant'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { _id, count } of await byTenant({ status: 'pending' })) this.set({ tenant: _id }, count);
    },
  });
  new client.Gauge({
    name: 'cert_idp_review_register_mismatches',
    help: "Applications waiting whose items differ from the university's register, or whose student ID it lacks",
    labelNames: ['tenant'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { _id, count } of await byTenant({ status: 'pending', 'registerMatch.summary': { $in: MISMATCHES } })) {
        this.set({ tenant: _id }, count);
      }
    },
  });
}
