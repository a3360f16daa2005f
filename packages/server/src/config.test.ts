import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { ConfigError, loadNodeConfig, parseInitialCluster } from './config.js'

const base = {
  id: 'n1',
  dataDir: '/tmp/x',
  listenClient: 'http://127.0.0.1:7001',
  listenPeer: '127.0.0.1:7101',
  initialCluster: { n1: '127.0.0.1:7101' },
}

async function problems(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

describe('node configuration', () => {
  test('flags win over environment variables, which win over the YAML file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'raftkit-config-'))
    const file = join(dir, 'node.yaml')
    await writeFile(
      file,
      'id: from-file\ndataDir: /data/file\ntickMs: 20\nlistenClient: http://127.0.0.1:7001\nlistenPeer: 127.0.0.1:7101\n',
    )
    const config = await loadNodeConfig({
      file,
      env: {
        RAFTKIT_DATA_DIR: '/data/env',
        RAFTKIT_TICK_MS: '30',
        RAFTKIT_INITIAL_CLUSTER: 'n9=127.0.0.1:7109',
      },
      flags: { id: 'n9', tickMs: undefined },
    })
    expect(config).toMatchObject({
      id: 'n9',
      dataDir: '/data/env',
      tickMs: 30,
      initialCluster: { n9: '127.0.0.1:7109' },
    })
    await rm(dir, { recursive: true })
  })

  test('every wrong value is reported at once, by name', async () => {
    const found = await problems(
      loadNodeConfig({
        flags: {
          ...base,
          id: 'bad id!',
          listenClient: 'not a url',
          listenPeer: 'nope',
          tickMs: 0,
          codec: 'xml' as never,
        },
      }),
    )
    // Each problem names the setting as a flag, an environment variable and a file key.
    expect(found).toEqual([
      '--id (RAFTKIT_ID, id in the file): ids are 1-64 letters, digits, - or _',
      '--listen-client (RAFTKIT_LISTEN_CLIENT, listenClient in the file): expected http://HOST:PORT, such as http://127.0.0.1:7001',
      '--listen-peer (RAFTKIT_LISTEN_PEER, listenPeer in the file): expected HOST:PORT',
      '--tick-ms (RAFTKIT_TICK_MS, tickMs in the file): Too small: expected number to be >=1',
      '--codec (RAFTKIT_CODEC, codec in the file): Invalid option: expected one of "msgpack"|"json"',
    ])
  })

  test('missing settings, bad numbers in the environment and broken YAML are named', async () => {
    expect(await problems(loadNodeConfig({ flags: {} }))).toEqual([
      '--id (RAFTKIT_ID, id in the file): required',
      '--data-dir (RAFTKIT_DATA_DIR, dataDir in the file): required',
      '--listen-client (RAFTKIT_LISTEN_CLIENT, listenClient in the file): required',
      '--listen-peer (RAFTKIT_LISTEN_PEER, listenPeer in the file): required',
    ])
    expect(
      await problems(loadNodeConfig({ env: { RAFTKIT_TICK_MS: 'fast' }, flags: base })),
    ).toEqual(['RAFTKIT_TICK_MS: expected a number, got "fast"'])
    const dir = await mkdtemp(join(tmpdir(), 'raftkit-config-'))
    await writeFile(join(dir, 'bad.yaml'), 'id: [1\n')
    expect(
      (await problems(loadNodeConfig({ file: join(dir, 'bad.yaml'), flags: base }))).join(),
    ).toMatch(/bad\.yaml is not valid YAML/)
    await writeFile(join(dir, 'list.yaml'), '- a\n- b\n')
    expect(
      (await problems(loadNodeConfig({ file: join(dir, 'list.yaml'), flags: base }))).join(),
    ).toMatch(/expected a YAML mapping/)
    expect(
      await problems(loadNodeConfig({ flags: { ...base, listenClient: 'localhost:7001' } })),
    ).toEqual([
      '--listen-client (RAFTKIT_LISTEN_CLIENT, listenClient in the file): expected http://HOST:PORT, such as http://127.0.0.1:7001',
    ])
    await rm(dir, { recursive: true })
  })

  test('needs either an initial cluster that includes this node, or a join URL', async () => {
    expect(
      (await problems(loadNodeConfig({ flags: { ...base, initialCluster: undefined } }))).join(),
    ).toMatch(/--initial-cluster or --join/)
    expect(
      (
        await problems(
          loadNodeConfig({ flags: { ...base, initialCluster: { n2: '127.0.0.1:7102' } } }),
        )
      ).join(),
    ).toMatch(/must include this node/)
  })

  test('refuses to listen beyond loopback without a cluster secret and an API key, unless --insecure', async () => {
    const exposed = { ...base, listenClient: 'http://0.0.0.0:7001' }
    expect((await problems(loadNodeConfig({ flags: exposed }))).join()).toMatch(/beyond loopback/)
    expect(await problems(loadNodeConfig({ flags: { ...exposed, insecure: true } }))).toEqual([])
    expect(
      await problems(
        loadNodeConfig({
          flags: { ...exposed, clusterSecret: 's'.repeat(16), apiKeys: ['k'.repeat(16)] },
        }),
      ),
    ).toEqual([])
  })

  test('a missing config file and malformed --initial-cluster are clear errors', async () => {
    expect(
      (await problems(loadNodeConfig({ file: '/nonexistent/raftkit.yaml', flags: base }))).join(),
    ).toMatch(/cannot read config file/)
    expect(() => parseInitialCluster('n1:127.0.0.1:7101')).toThrow(ConfigError)
  })
})
