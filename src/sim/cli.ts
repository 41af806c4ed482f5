#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// `dahua-camera-sim`: a Dahua camera on this machine, for building flows without one.

import { parseArgs } from 'node:util'
import { CameraSimulator } from './camera-simulator'
import { PROFILES } from './profiles'
import { playDay } from './scenario'

const usage = `Usage: dahua-camera-sim [--port 8080] [--host 127.0.0.1] [--user admin] [--password admin]
                        [--profile ipc] [--connection keep-alive|close] [--basic] [--quiet]

A simulated Dahua camera: the attach event stream with digest login and heartbeats, playing a scripted day
(motion, a person crossing a tripwire, a doorbell press, a car, an alarm input) in a loop.
  --profile     the device it answers as (magicBox, getEventIndexes, snapshots, event format):
${Object.values(PROFILES)
  .map((p) => `                  ${p.name.padEnd(11)} ${p.description}`)
  .join('\n')}
  --connection  keep-alive (default, as an HTTP/1.1 server or a reverse proxy) or close (as many cameras)
  --basic       accept only Basic login, like 2014-2015 firmware
  --quiet       send no scripted events, only heartbeats
`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      user: { type: 'string', default: 'admin' },
      password: { type: 'string', default: 'admin' },
      profile: { type: 'string', default: 'ipc' },
      connection: { type: 'string', default: 'keep-alive' },
      basic: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    process.stdout.write(usage)
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a port number, not "${values.port}"`)
  }
  if (values.connection !== 'keep-alive' && values.connection !== 'close') {
    throw new Error(`--connection must be keep-alive or close, not "${values.connection}"`)
  }
  const sim = new CameraSimulator({
    profile: values.profile,
    connection: values.connection,
    host: values.host,
    port,
    username: values.user,
    password: values.password,
    ...(values.basic ? { auth: 'basic' as const } : {}),
  })
  await sim.listen()
  if (!isLoopback(values.host) && values.user === 'admin' && values.password === 'admin') {
    // Reachable from the network with a login everyone knows: anyone there can read its stream as a camera's.
    process.stderr.write(
      `Warning: listening on ${values.host}, reachable from other machines, with the default login admin/admin. ` +
        `Pass --user and --password, or --host 127.0.0.1.\n`,
    )
  }
  process.stdout.write(
    `Dahua camera simulator at ${sim.url} (user "${values.user}"): ${sim.profile.description}, ` +
      `connections ${values.connection}; Ctrl+C stops it\n`,
  )
  sim.on('attach', () => process.stdout.write(`client attached (${sim.openStreams} open)\n`))
  const stop = values.quiet
    ? () => undefined
    : playDay(sim, (e) => process.stdout.write(`sent ${e.code} ${e.action} (channel ${e.index + 1})\n`))
  const shutdown = (): void => {
    stop()
    void sim.close().then(() => process.exit(0))
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

function isLoopback(host: string): boolean {
  return /^(127\.|::1$|\[::1\]$|localhost$)/i.test(host)
}

main().catch((err: unknown) => {
  process.stderr.write(`dahua-camera-sim: ${err instanceof Error ? err.message : String(err)}\n${usage}`)
  process.exit(2)
})
