import type { BodyOf, KlaviyoClient, ResponseOf } from '../client';
import { buildFilter, type Condition, greaterOrEqual, lessThan } from '../filter';
import { paginate } from '../paginate';

type AggregateAttributes = BodyOf<'query_metric_aggregates'>['data']['attributes'];
export type Metric = ResponseOf<'get_metric'>['data'];
export type Measurement = AggregateAttributes['measurements'][number];
export type Dimension = NonNullable<AggregateAttributes['by']>[number];

export interface AggregateQuery<M extends Measurement> {
  metricId: string;
  measurements: M[];
  /** Inclusive. */
  since: Date;
  /** Exclusive. */
  until: Date;
  /** Bucket size; Klaviyo's default is `day`. */
  interval?: NonNullable<AggregateAttributes['interval']>;
  /** Dimensions to group by; each row of the result is one combination of their values. */
  by?: Dimension[];
  /** Further conditions on dimensions (`equals`, `contains-any`); Klaviyo ANDs them. */
  where?: Condition[];
  /** IANA name, case-sensitive; Klaviyo's default is UTC. */
  timezone?: string;
  sort?: AggregateAttributes['sort'];
}

export interface AggregateResult<M extends Measurement> {
  /** The start of each bucket. */
  dates: string[];
  /** One row per combination of `by` values; each measurement has one number per date. */
  rows: { dimensions: string[]; measurements: Record<M, number[]> }[];
}

// MetricAggregateQuery `page_size`: "@default 500"; the rows a query returns at most.
const AGGREGATE_PAGE_SIZE = 500;

/** Metrics (the kinds of events) and their aggregates. */
export function metricsResource(client: KlaviyoClient) {
  /** Every metric, across pages (get_metrics returns at most 200 per page). */
  const list = () => paginate(client, 'get_metrics');

  return {
    list,

    get: async (id: string): Promise<Metric> => (await client.call('get_metric', { path: { id } })).data,

    /**
     * The id of the first metric with this exact name, or undefined. get_metrics cannot filter by
     * name (only by integration), so this walks the metrics; names are unique per integration only.
     */
    async findIdByName(name: string): Promise<string | undefined> {
      for await (const metric of list()) if (metric.attributes.name === name) return metric.id;
      return undefined;
    },

    /**
     * query_metric_aggregates over [since, until): the time range is written with the filter builder
     * as the `greater-or-equal` and `less-than` datetime conditions the endpoint requires.
     */
    async aggregate<M extends Measurement>(query: AggregateQuery<M>): Promise<AggregateResult<M>> {
      const conditions = [greaterOrEqual('datetime', query.since), lessThan('datetime', query.until)];
      const result = await client.call('query_metric_aggregates', {
        body: {
          data: {
            type: 'metric-aggregate',
            attributes: {
              metric_id: query.metricId,
              measurements: query.measurements,
              // The endpoint takes a list of filters rather than one expression.
              filter: [...conditions, ...(query.where ?? [])].map((c) => buildFilter(c)),
              interval: query.interval ?? 'day',
              by: query.by,
              timezone: query.timezone ?? 'UTC',
              sort: query.sort,
              page_size: AGGREGATE_PAGE_SIZE,
            },
          },
        },
      });
      const { dates, data } = result.data.attributes;
      return {
        dates,
        rows: data.map((row) => ({
          dimensions: row.dimensions,
          measurements: row.measurements as Record<M, number[]>,
        })),
      };
    },
  };
}
