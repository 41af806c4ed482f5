// SPDX-License-Identifier: Apache-2.0
// The editor's "Test connection": one look at a camera with the settings as they are being edited, before any
// deploy. It says what the camera is (magicBox.cgi) or one clear class of failure, and tries one login at
// most, because a camera locks the account after a few wrong ones.

import { Agent, HttpClient } from 'urllib'
import { classify } from './camera-client'
import type { CameraAddress, CameraCredentials } from './types'

export type ProbeResult =
  | { ok: true; deviceType: string; serialNumber: string; firmware: string }
  | { ok: false; failure: 'unreachable' | 'not-dahua' | 'auth' | 'tls'; detail: string }

const PROBE_TIMEOUT_MS = 8_000

/** `key=value` lines, as every magicBox.cgi answer is (dahua-protocol.md 3.2). */
export function parseKeyValues(body: string): Record<string, string> {
  const values: Record<string, string> = {}
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf('=')
    if (eq > 0) {
      values[line.slice(0, eq).trim()] = line.slice(eq + 1).trim()
    }
  }
  return values
}

export async function probeCamera(
  address: CameraAddress,
  credentials: CameraCredentials,
): Promise<ProbeResult> {
  const agent = new Agent({ connect: { timeout: PROBE_TIMEOUT_MS, rejectUnauthorized: address.verifyTls } })
  const http = new HttpClient()
  http.setDispatcher(agent)
  const host =
    address.host.includes(':') && !address.host.startsWith('[') ? `[${address.host}]` : address.host
  const base = `${address.protocol}://${host}:${address.port}/cgi-bin/magicBox.cgi?action=`
  let basic = false
  const get = async (
    action: string,
  ): Promise<{ status: number; values: Record<string, string> } | ProbeResult> => {
    const login = `${credentials.username}:${credentials.password}`
    let response = await http.request<Buffer>(`${base}${action}`, {
      dataType: 'buffer',
      timeout: [PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS],
      ...(basic ? { auth: login } : { digestAuth: login }),
    })
    const challenge = String(response.headers['www-authenticate'] ?? '')
    if (response.status === 401 && !basic && /^\s*basic/i.test(challenge)) {
      // Old firmware offers only Basic (rroller#583); that first answer refused no login.
      basic = true
      response = await http.request<Buffer>(`${base}${action}`, {
        dataType: 'buffer',
        timeout: [PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS],
        auth: login,
      })
    }
    if (response.status === 401 || response.status === 403) {
      return { ok: false, failure: 'auth', detail: `HTTP ${response.status}` }
    }
    const values = parseKeyValues(response.data.toString('utf8'))
    if (response.status !== 200 || Object.keys(values).length === 0) {
      return { ok: false, failure: 'not-dahua', detail: `HTTP ${response.status}` }
    }
    return { status: response.status, values }
  }
  try {
    const info = await get('getSystemInfo')
    if ('ok' in info) {
      return info
    }
    // The login worked; the version is one more call with the same answer to the same challenge kind.
    const version = await get('getSoftwareVersion')
    return {
      ok: true,
      deviceType: info.values.deviceType ?? info.values.updateSerial ?? '',
      serialNumber: info.values.serialNumber ?? '',
      firmware: 'ok' in version ? '' : (version.values.version ?? ''),
    }
  } catch (err) {
    const reason = classify(err)
    return {
      ok: false,
      failure: reason.kind === 'tls' ? 'tls' : 'unreachable',
      detail: reason.detail ?? reason.kind,
    }
  } finally {
    await agent.destroy()
  }
}
