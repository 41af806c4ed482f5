// Real network faults for the tests that need one (issue 17), made as network-faults.md made them: the camera
// simulator in a network namespace of its own, behind a router namespace where the path is cut.
//
//   this process (root namespace) <-veth-> router namespace <-veth-> camera namespace (netns-sim.ts, a child)
//
// A blackhole is two routes in the router that drop what it forwards, both ways, without a word (no ICMP): a camera
// off the air. What its TCP sent meanwhile is retransmitted once the routes go. Needs root and iproute2 only (no
// netem, iptables or nft). Every name carries this process's id; remove() undoes everything, and make() first
// removes what a test process that died left behind.

import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { connection } from './sim'

/** A command to the simulator child (netns-sim.ts), and its answer. */
export type Request = { op: 'send'; n: number } | { op: 'listen'; on: boolean }
export type Command = Request & { id: number }

/** What the simulator had when it carried out a command: attaches answered 200 so far, streams open now. */
export interface Counts {
  attaches: number
  openStreams: number
}

export type Report =
  | ({ id: number; error?: string } & Counts)
  | { attached: number }
  | { listening: number }
  | { failed: string }

/** Event number `n`: a Pulse (a new file), which no reconciliation can bring back (network-faults.md 1). */
export function numbered(n: number): { code: string; action: string; index: number; data: unknown } {
  return { code: 'NewFile', action: 'Pulse', index: 0, data: { File: `/mnt/sd/netns/${n}.jpg`, Seq: n } }
}

/** The number of an event made by numbered(), if it is one. */
export function numberOf(event: unknown): number | undefined {
  const seq = (event as { data?: { Seq?: unknown } } | undefined)?.data?.Seq
  return typeof seq === 'number' ? seq : undefined
}

const PREFIX = 'dahua-'

function ip(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || err.message}`))
      } else {
        resolve(stdout)
      }
    })
  })
}

/**
 * Why this machine cannot make the namespaces, or undefined when it can: not Linux, not root, no `ip`, or `ip
 * netns add` refused (a container without the right).
 */
export async function namespacesForbidden(): Promise<string | undefined> {
  if (process.platform !== 'linux') {
    return `network namespaces are Linux's, and this is ${process.platform}`
  }
  if (process.getuid?.() !== 0) {
    return 'making network namespaces needs root (.ci/run runs as root)'
  }
  try {
    await ip('-V')
  } catch {
    return 'no `ip` command (install iproute2)'
  }
  const probe = `${PREFIX}p-${process.pid}`
  try {
    await ip('netns', 'add', probe)
  } catch (err) {
    return `this machine forbids network namespaces (${err instanceof Error ? err.message : String(err)})`
  }
  await ip('netns', 'del', probe)
  return undefined
}

/** Namespaces an earlier test process made and could not remove (it was killed): theirs, by the id in the name. */
async function removeLeftovers(): Promise<void> {
  for (const line of (await ip('netns', 'list')).split('\n')) {
    const match = /^(dahua-[rcp]-(\d+))\b/.exec(line)
    if (!match || Number(match[2]) === process.pid) {
      continue
    }
    try {
      process.kill(Number(match[2]), 0) // signal 0: only asks whether that process still exists
    } catch {
      await ip('netns', 'del', match[1]!).catch(() => undefined)
    }
  }
}

/** A third octet of 10.213.x.0/24 that no address or route of this machine uses. */
async function freeOctet(): Promise<number> {
  const used = (await ip('-4', 'addr')) + (await ip('-4', 'route', 'show', 'table', 'all'))
  for (let i = 0; i < 256; i++) {
    const octet = (process.pid + i) % 256
    if (!used.includes(`10.213.${octet}.`)) {
      return octet
    }
  }
  throw new Error('every 10.213.x.0/24 is in use on this machine')
}

/** The router and camera namespaces and the two links between this process and the camera. */
export class FaultyPath {
  readonly router = `${PREFIX}r-${process.pid}`
  readonly camera = `${PREFIX}c-${process.pid}`
  /** This process's address, on the link to the router. */
  readonly hostIp: string
  /** The camera's address, on the router's other link. */
  readonly cameraIp: string
  private readonly routerUp: string
  private readonly routerDown: string
  private readonly hostLink = `dh${process.pid}a`
  private cut = false

  private constructor(octet: number) {
    // Two /30s in one /24: this process .1, router .2 | router .5, camera .6.
    this.hostIp = `10.213.${octet}.1`
    this.routerUp = `10.213.${octet}.2`
    this.routerDown = `10.213.${octet}.5`
    this.cameraIp = `10.213.${octet}.6`
  }

  /** Makes the namespaces and links; on a failure removes what it made and rejects. */
  static async make(): Promise<FaultyPath> {
    await removeLeftovers()
    const path = new FaultyPath(await freeOctet())
    try {
      await path.build()
    } catch (err) {
      await path.remove()
      throw err
    }
    return path
  }

  private async build(): Promise<void> {
    const { router, camera, hostLink } = this
    const [routerUpLink, routerDownLink, cameraLink] = ['b', 'c', 'd'].map((end) => `dh${process.pid}${end}`)
    const octets = this.hostIp.split('.').slice(0, 3).join('.')
    await ip('netns', 'add', router)
    await ip('netns', 'add', camera)
    await ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', routerUpLink!, 'netns', router)
    await ip(
      'link',
      'add',
      routerDownLink!,
      'netns',
      router,
      'type',
      'veth',
      'peer',
      'name',
      cameraLink!,
      'netns',
      camera,
    )
    await ip('addr', 'add', `${this.hostIp}/30`, 'dev', hostLink)
    await ip('link', 'set', hostLink, 'up')
    await ip('-n', router, 'addr', 'add', `${this.routerUp}/30`, 'dev', routerUpLink!)
    await ip('-n', router, 'addr', 'add', `${this.routerDown}/30`, 'dev', routerDownLink!)
    await ip('-n', camera, 'addr', 'add', `${this.cameraIp}/30`, 'dev', cameraLink!)
    for (const [ns, link] of [
      [router, 'lo'],
      [router, routerUpLink!],
      [router, routerDownLink!],
      [camera, 'lo'],
      [camera, cameraLink!],
    ] as const) {
      await ip('-n', ns, 'link', 'set', link, 'up')
    }
    // /proc/sys/net is the namespace's own: this turns forwarding on in the router only (no procps needed).
    await ip('netns', 'exec', router, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward')
    await ip('route', 'add', `${octets}.4/30`, 'via', this.routerUp)
    await ip('-n', camera, 'route', 'add', 'default', 'via', this.routerDown)
  }

  /** Every packet between this process and the camera dropped in the router, silently, both ways. */
  async blackhole(): Promise<void> {
    if (this.cut) {
      return
    }
    await ip('-n', this.router, 'route', 'add', 'blackhole', `${this.cameraIp}/32`)
    await ip('-n', this.router, 'route', 'add', 'blackhole', `${this.hostIp}/32`)
    this.cut = true
  }

  /** The path is back: TCP's retransmissions get through. */
  async restore(): Promise<void> {
    if (!this.cut) {
      return
    }
    await ip('-n', this.router, 'route', 'del', 'blackhole', `${this.cameraIp}/32`)
    await ip('-n', this.router, 'route', 'del', 'blackhole', `${this.hostIp}/32`)
    this.cut = false
  }

  /**
   * The camera's kernel forgets every connection, as a reboot does: each is aborted (`ss -K`, its RST lost when the
   * path is cut), so that what the client sends on it later meets a RST.
   */
  async forgetConnections(): Promise<void> {
    await ip('netns', 'exec', this.camera, 'ss', '-K', '-t', 'state', 'connected')
  }

  /** Removes the namespaces (and with them the links and routes). Never rejects. */
  async remove(): Promise<void> {
    for (const ns of [this.camera, this.router]) {
      await ip('netns', 'del', ns).catch(() => undefined)
    }
    // Gone with its peer in the router's namespace; only if that namespace was never made is it still here.
    await ip('link', 'del', this.hostLink).catch(() => undefined)
  }
}

/** The camera simulator running in the camera namespace, driven over IPC. */
export class NetnsCamera extends EventEmitter<{ attached: [number] }> {
  /** Its port on the camera address. */
  port = 0
  /** Attaches it answered 200, as it last reported. */
  attaches = 0
  private readonly pending = new Map<number, { resolve: (c: Counts) => void; reject: (e: Error) => void }>()
  private nextId = 1
  private printed = ''

  private constructor(private readonly child: ChildProcess) {
    super()
    const keep = (d: Buffer): void => {
      this.printed = (this.printed + d.toString()).slice(-4_000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    child.on('message', (report: Report) => {
      if ('attached' in report) {
        this.attaches = Math.max(this.attaches, report.attached)
        this.emit('attached', report.attached)
      } else if ('id' in report) {
        const waiter = this.pending.get(report.id)
        this.pending.delete(report.id)
        if (report.error) {
          waiter?.reject(new Error(report.error))
        } else {
          this.attaches = Math.max(this.attaches, report.attaches)
          waiter?.resolve({ attaches: report.attaches, openStreams: report.openStreams })
        }
      }
    })
    child.once('exit', (code, signal) => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`the simulator ended (${code ?? signal}): ${this.printed}`))
      }
      this.pending.clear()
    })
  }

  /** Starts the simulator in `path`'s camera namespace, with login admin / `password`. */
  static async start(path: FaultyPath, password: string): Promise<NetnsCamera> {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        path.camera,
        process.execPath,
        join(__dirname, 'netns-sim.js'),
        path.cameraIp,
        password,
        connection,
      ],
      { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
    )
    const camera = new NetnsCamera(child)
    try {
      camera.port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the simulator did not listen within 10 s')), 10_000)
        child.once('exit', (code, signal) => {
          clearTimeout(timer)
          reject(new Error(`the simulator ended (${code ?? signal})`))
        })
        child.on('message', (report: Report) => {
          if ('listening' in report) {
            clearTimeout(timer)
            resolve(report.listening)
          } else if ('failed' in report) {
            clearTimeout(timer)
            reject(new Error(`the simulator failed: ${report.failed}`))
          }
        })
      })
    } catch (err) {
      await camera.stop()
      throw new Error(`${err instanceof Error ? err.message : String(err)}: ${camera.printed}`, {
        cause: err,
      })
    }
    return camera
  }

  private ask(request: Request): Promise<Counts> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.child.send({ id, ...request } satisfies Command)
    })
  }

  /** Sends event number `n` (numbered()) on every open stream; resolves with the counts when it was written. */
  send(n: number): Promise<Counts> {
    return this.ask({ op: 'send', n })
  }

  /** Listens again (`true`), or stops: connections are then refused with RST, and open streams dropped. */
  listen(on: boolean): Promise<Counts> {
    return this.ask({ op: 'listen', on })
  }

  /** Ends the child process. Never rejects. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return
    }
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()))
    this.child.kill('SIGKILL')
    await exited
  }
}
