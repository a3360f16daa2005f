import { randomBytes } from 'node:crypto'
import { createConnection } from 'node:net'
import { createConnection as createMysqlConnection } from 'mysql2/promise'

/** The MariaDB/MySQL server tests use (root, no password, as on this project's machines). */
export const testMysqlServerUrl =
  process.env['RAFTKIT_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306'
/** The Redis server tests use. */
export const testRedisUrl = process.env['RAFTKIT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379'

/** Undefined when MariaDB answers; otherwise why the tests that need it skip. */
export async function mysqlUnavailableReason(): Promise<string | undefined> {
  try {
    const connection = await createMysqlConnection({
      uri: testMysqlServerUrl,
      connectTimeout: 3000,
    })
    await connection.query('SELECT 1')
    await connection.end()
    return undefined
  } catch (error) {
    return `MariaDB/MySQL is not reachable at ${testMysqlServerUrl} (${(error as Error).message})`
  }
}

/** Undefined when Redis answers PING; otherwise why the tests that need it skip. */
export async function redisUnavailableReason(): Promise<string | undefined> {
  const url = new URL(testRedisUrl)
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 6379) })
    const done = (reason: string | undefined): void => {
      socket.destroy()
      resolve(reason)
    }
    socket.setTimeout(3000, () => done(`Redis did not answer at ${testRedisUrl}`))
    socket.once('error', (error) =>
      done(`Redis is not reachable at ${testRedisUrl} (${error.message})`),
    )
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) =>
      done(
        data.toString().startsWith('+PONG')
          ? undefined
          : `Redis at ${testRedisUrl} answered ${data}`,
      ),
    )
  })
}

/** A URL naming a fresh database on the test server; drop it after with dropMysqlDatabase. */
export function freshMysqlDatabaseUrl(tag = 'test'): string {
  const name = `raftkit_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`
  return `${testMysqlServerUrl.replace(/\/$/, '')}/${name}`
}
