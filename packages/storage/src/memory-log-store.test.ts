import { memoryLogStoreFixture } from './testing/fixtures.js'
import { runLogStoreContract } from './testing/log-store-contract.js'

runLogStoreContract('MemoryLogStore', async () => memoryLogStoreFixture())
