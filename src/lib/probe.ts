// SPDX-License-Identifier: Apache-2.0
// The editor's "Test connection": one look at a camera with the settings as they are being edited, before any
// deploy. It says what the camera is (magicBox.cgi) or one clear class of failure. It logs in through a
// throwaway CameraClient, so it follows the same login rules as the stream: at most one refused login, because
// a camera locks the account after a few wrong ones.

import { CameraClient, classify } from './camera-client'
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
  const client = new CameraClient({
    address,
    credentials,
    heartbeatSeconds: 5,
    timing: { connectTimeoutMs: PROBE_TIMEOUT_MS, cgiTimeoutMs: PROBE_TIMEOUT_MS },
  })
  const ask = async (
    action: string,
  ): Promise<{ values: Record<string, string> } | { failed: ProbeResult }> => {
    const { status, body } = await client.cgi(`/cgi-bin/magicBox.cgi?action=${action}`)
    if (status === 401 || status === 403) {
      return { failed: { ok: false, failure: 'auth', detail: `HTTP ${status}` } }
    }
    const values = parseKeyValues(body.toString('utf8'))
    if (status !== 200 || Object.keys(values).length === 0) {
      return { failed: { ok: false, failure: 'not-dahua', detail: `HTTP ${status}` } }
    }
    return { values }
  }
  try {
    const info = await ask('getSystemInfo')
    if ('failed' in info) {
      return info.failed
    }
    // The login worked; the firmware version is one more call with the same login.
    const version = await ask('getSoftwareVersion')
    return {
      ok: true,
      deviceType: info.values.deviceType ?? info.values.updateSerial ?? '',
      serialNumber: info.values.serialNumber ?? '',
      firmware: 'failed' in version ? '' : (version.values.version ?? ''),
    }
  } catch (err) {
    const reason = classify(err)
    return {
      ok: false,
      failure: reason.kind === 'tls' ? 'tls' : 'unreachable',
      detail: reason.detail ?? reason.kind,
    }
  } finally {
    await client.close()
  }
}
