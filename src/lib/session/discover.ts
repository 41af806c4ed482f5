// SPDX-License-Identifier: Apache-2.0
// Searches the LAN for Dahua-firmware devices: one UDP socket sends the discovery request (discovery.ts) to
// each target and collects the answers for a bounded time, listing each device once. Needs no login, and
// sends nothing but the request: no credentials, nothing a device's answer asks for.

import dgram from 'node:dgram'
import {
  DEFAULT_SEARCH_MS,
  MAX_DEVICES,
  MAX_PORTS_PER_ADDRESS,
  MAX_READS_PER_SENDER,
  MAX_SENDERS,
  deviceKey,
  discoveryRequest,
  discoveryTargets,
  isAnswerFrame,
  readDiscoveryAnswer,
  type DiscoveryTarget,
  type FoundDevice,
} from './discovery'

export interface DiscoverOptions {
  /** Where the request goes; default the multicast group and the broadcast address, port 37810. */
  targets?: DiscoveryTarget[]
  /** How long answers are collected (default 3 s). */
  timeoutMs?: number
  /** The search ends once this many devices have answered (default and most: 256). */
  maxDevices?: number
}

/**
 * The devices that answered within the time, in the order they answered. Never rejects: a send that fails
 * (no route for broadcast in a container, a target that is not reachable) only finds nothing there.
 */
export function discover(options: DiscoverOptions = {}): Promise<FoundDevice[]> {
  const targets = options.targets ?? discoveryTargets(undefined)
  const maxDevices = Math.min(MAX_DEVICES, Math.max(1, options.maxDevices ?? MAX_DEVICES))
  const found = new Map<string, FoundDevice>()
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4')
    const reads = new Map<string, number>()
    const ports = new Map<string, number>()
    let done = false
    const finish = (): void => {
      if (done) {
        return
      }
      done = true
      clearTimeout(timer)
      socket.removeAllListeners('message')
      try {
        socket.close()
      } catch {
        // Not bound yet, or closed already: nothing to release.
      }
      resolve([...found.values()])
    }
    const timer = setTimeout(finish, options.timeoutMs ?? DEFAULT_SEARCH_MS)
    socket.on('error', finish)
    socket.on('message', (datagram: Buffer, sender: dgram.RemoteInfo) => {
      if (!isAnswerFrame(datagram)) {
        return
      }
      const from = `${sender.address}:${sender.port}`
      const read = reads.get(from) ?? 0
      const used = ports.get(sender.address) ?? 0
      if (
        read >= MAX_READS_PER_SENDER ||
        (read === 0 && (reads.size >= MAX_SENDERS || used >= MAX_PORTS_PER_ADDRESS))
      ) {
        return
      }
      if (read === 0) {
        ports.set(sender.address, used + 1)
      }
      reads.set(from, read + 1)
      const device = readDiscoveryAnswer(datagram, sender.address)
      if (device === undefined) {
        return
      }
      const key = deviceKey(device)
      if (!found.has(key)) {
        found.set(key, device)
      }
      if (found.size >= maxDevices) {
        finish()
      }
    })
    socket.bind(0, () => {
      if (done) {
        return
      }
      try {
        socket.setBroadcast(true)
      } catch {
        // A socket that cannot broadcast still reaches unicast and multicast targets.
      }
      const request = discoveryRequest()
      for (const target of targets) {
        socket.send(request, target.port, target.address, () => undefined)
      }
    })
  })
}
