/**
 * The smallest database interface pgdrift needs: run one statement with bound parameters.
 * A `pg.Client`, a `pg.PoolClient` or a test double all fit; callers own the connection.
 */
export interface QueryResultLike<R> {
  readonly rows: R[];
}

export interface Queryable {
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResultLike<R>>;
}
