import type { BodyOf, KlaviyoClient } from '../client';
import { buildFilter, type Condition } from '../filter';

type CampaignAttributes = BodyOf<'query_campaign_values'>['data']['attributes'];
type FlowAttributes = BodyOf<'query_flow_values'>['data']['attributes'];
export type CampaignStatistic = CampaignAttributes['statistics'][number];
export type FlowStatistic = FlowAttributes['statistics'][number];
export type CampaignGrouping = NonNullable<CampaignAttributes['group_by']>[number];
export type FlowGrouping = NonNullable<FlowAttributes['group_by']>[number];
/**
 * `{key: 'last_30_days'}`, or `{start, end}` as date-times with an offset, e.g.
 * `2026-07-01T00:00:00+00:00`, which Klaviyo ignores: it reads the wall-clock digits in the account's
 * timezone ("Offset is ignored and the company timezone is used", CustomTimeframe). At most a year.
 */
export type ReportTimeframe = CampaignAttributes['timeframe'];

export interface ValuesQuery<S extends string, G extends readonly string[]> {
  statistics: readonly S[];
  timeframe: ReportTimeframe;
  /** The metric that counts as a conversion, usually Placed Order. */
  conversionMetricId: string;
  groupBy: G;
  /** Conditions on scalar groupings (equals, contains-any) and tags; AND only (request `filter`). */
  filter?: Condition[];
}

/** One row of a values report: one message of the campaign or flow, split further by any other
 * `groupBy` (send channel, variation...). */
export interface ValuesRow<S extends string, G extends string> {
  messageId: string;
  groupings: Record<G, string | null>;
  /** Rates are fractions in [0, 1] ("All rate statistics will be returned in fractional form"). */
  statistics: Record<S, number | null>;
}

/** Rows keyed by campaign or flow id; plain JSON, so a caller can cache it as it is. */
export type ValuesReport<S extends string, G extends string> = Record<string, ValuesRow<S, G>[]>;

/** The groupings each report requires ("The following group by attributes are required", group_by). */
type CampaignGroupBy<G extends CampaignGrouping> = readonly ['campaign_id', 'campaign_message_id', ...G[]];
type FlowGroupBy<G extends FlowGrouping> = readonly ['flow_id', 'flow_message_id', ...G[]];

function requestAttributes<S extends string, G extends string>(query: ValuesQuery<S, readonly G[]>) {
  return {
    statistics: [...query.statistics],
    timeframe: query.timeframe,
    conversion_metric_id: query.conversionMetricId,
    group_by: [...query.groupBy],
    ...(query.filter?.length ? { filter: buildFilter(...query.filter) } : {}),
  };
}

function byOwner<S extends string, G extends string>(
  results: { groupings: Record<string, unknown>; statistics: Record<string, unknown> }[],
  owner: string,
  message: string,
  query: ValuesQuery<S, readonly G[]>,
): ValuesReport<S, G> {
  const report: ValuesReport<S, G> = {};
  for (const result of results) {
    const text = (key: string) => {
      const value = result.groupings[key];
      return value === null || value === undefined ? null : String(value);
    };
    const row: ValuesRow<S, G> = {
      messageId: String(text(message)),
      groupings: Object.fromEntries(query.groupBy.map((g) => [g, text(g)])) as Record<G, string | null>,
      statistics: Object.fromEntries(
        query.statistics.map((s) => {
          const value = result.statistics[s];
          return [s, typeof value === 'number' ? value : null];
        }),
      ) as Record<S, number | null>,
    };
    const id = String(text(owner));
    report[id] ??= [];
    report[id].push(row);
  }
  return report;
}

/**
 * Campaign and flow performance from the Reporting API. These endpoints allow only 1/s, 2/m and
 * 225/day (x-klaviyo-ratelimit of query_campaign_values and query_flow_values): the client paces
 * calls under that, but a page that shows reports must cache them rather than ask on every view.
 */
export function reportsResource(client: KlaviyoClient) {
  return {
    /** Statistics per campaign id, a row per campaign message (and per any further grouping). */
    async campaignValues<S extends CampaignStatistic, G extends CampaignGrouping = never>(
      query: ValuesQuery<S, CampaignGroupBy<G>>,
    ): Promise<ValuesReport<S, 'campaign_id' | 'campaign_message_id' | G>> {
      const document = await client.call('query_campaign_values', {
        body: { data: { type: 'campaign-values-report', attributes: requestAttributes(query) } },
      });
      return byOwner(document.data.attributes.results, 'campaign_id', 'campaign_message_id', query);
    },

    /** Statistics per flow id, a row per flow message (and per any further grouping). */
    async flowValues<S extends FlowStatistic, G extends FlowGrouping = never>(
      query: ValuesQuery<S, FlowGroupBy<G>>,
    ): Promise<ValuesReport<S, 'flow_id' | 'flow_message_id' | G>> {
      const document = await client.call('query_flow_values', {
        body: { data: { type: 'flow-values-report', attributes: requestAttributes(query) } },
      });
      return byOwner(document.data.attributes.results, 'flow_id', 'flow_message_id', query);
    },
  };
}
