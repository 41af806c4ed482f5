// SPDX-License-Identifier: Apache-2.0
// The editor's "Test connection": one look at a camera with the settings as they are being edited, before any
// deploy. It says what the camera is (magicBox.cgi) or one clear class of failure. It logs in through a
// throwaway HttpSession, so it follows the same login rules as the stream: at most one refused login, because
// a camera locks the account after a few wrong ones.

import { HttpSession, classify, isRedirect } from './http-session'
import { DEFAULT_TIMING } from './policy'
import type { CameraAddress, CameraCredentials } from './types'

export type ProbeResult =
  | { ok: true; deviceType: string; serialNumber: string; firmware: string }
  | { ok: false; failure: ProbeFailure; detail: string }

/**
 * - `basic`: the camera wants Basic login, which was not sent (detail `not-allowed` or `downgrade`).
 * - `paused`: logins to this camera are paused after refusals (detail: minutes left); nothing was sent.
 * - `password`: the address is not the one the stored password was saved for; it must be typed again.
 */
export type ProbeFailure = 'unreachable' | 'not-dahua' | 'auth' | 'tls' | 'basic' | 'paused' | 'password'

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
  allowBasic = false,
): Promise<ProbeResult> {
  // The same login budget as the camera's stream (per host and port): clicking Test again and again with a
  // wrong password must not lock the account.
  const http = new HttpSession(
    address,
    credentials,
    { ...DEFAULT_TIMING, connectTimeoutMs: PROBE_TIMEOUT_MS, cgiTimeoutMs: PROBE_TIMEOUT_MS },
    Date.now,
    allowBasic,
  )
  const paused = http.budget.waitMs(Date.now())
  if (paused > 0) {
    await http.close()
    return { ok: false, failure: 'paused', detail: String(Math.ceil(paused / 60_000)) }
  }
  const ask = async (
    action: string,
  ): Promise<{ values: Record<string, string> } | { failed: ProbeResult }> => {
    const { status, body } = await http.cgi(`/cgi-bin/magicBox.cgi?action=${action}`)
    if (status === 401 || status === 403) {
      return { failed: { ok: false, failure: 'auth', detail: `HTTP ${status}` } }
    }
    const values = parseKeyValues(body.toString('utf8'))
    if (status !== 200 || Object.keys(values).length === 0) {
      const detail = isRedirect(status) ? `HTTP ${status} redirect, not followed` : `HTTP ${status}`
      return { failed: { ok: false, failure: 'not-dahua', detail } }
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
      deviceType: await model(info.values, ask),
      serialNumber: info.values.serialNumber ?? '',
      firmware: 'failed' in version ? '' : (version.values.version ?? ''),
    }
  } catch (err) {
    const reason = classify(err)
    const failure = reason.kind === 'tls' || reason.kind === 'basic' ? reason.kind : 'unreachable'
    return { ok: false, failure, detail: reason.detail ?? reason.kind }
  } finally {
    await http.close()
  }
}

/**
 * The device's model. Recorders answer `deviceType=31` (a number) to getSystemInfo; their model is in
 * getDeviceType's `type=` or in `updateSerial` (field-notes.md 1, DahuaBridge captures of an NVR5232).
 */
async function model(
  system: Record<string, string>,
  ask: (action: string) => Promise<{ values: Record<string, string> } | { failed: ProbeResult }>,
): Promise<string> {
  const named = (value: string | undefined): value is string => !!value && !/^\d+$/.test(value)
  if (named(system.deviceType)) {
    return system.deviceType
  }
  const type = await ask('getDeviceType')
  const typed = 'values' in type ? type.values.type : undefined
  return named(typed) ? typed : named(system.updateSerial) ? system.updateSerial : (system.deviceType ?? '')
}
