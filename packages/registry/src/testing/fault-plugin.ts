import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely'

/**
 * A Kysely plugin that makes the next query on a given table fail, once armed: a crash in the
 * middle of a transaction, for proving that nothing is half-applied.
 */
export class FailNextQueryPlugin implements KyselyPlugin {
  #armedTable: string | undefined

  arm(table: string): void {
    this.#armedTable = table
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const table = this.#armedTable
    if (table !== undefined && JSON.stringify(args.node).includes(`"name":"${table}"`)) {
      this.#armedTable = undefined
      throw new Error(`injected failure on a query of ${table}`)
    }
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}
