export { CommandMaker } from './commands.js'
export { entry, snapshotAt } from './entries.js'
export { FailNextQueryPlugin } from './fault-plugin.js'
export {
  freshMysqlDatabaseUrl,
  mysqlUnavailableReason,
  redisUnavailableReason,
  testMysqlServerUrl,
  testRedisUrl,
} from './services.js'
export {
  runStoreContract,
  type StoreFactory,
  type StoreFactoryOptions,
  type StoreFixture,
} from './store-contract.js'
export { freePort, startRegistryCluster, type RegistryTestCluster } from './registry-node.js'
