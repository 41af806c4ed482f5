// SPDX-License-Identifier: Apache-2.0
// The editor's "Test connection": one look at a camera with the settings as they are being edited, before any
// deploy. It says what the camera is (magicBox.cgi) or one clear class of failure. It logs in through a
// throwaway HttpSession, so it follows the same login rules as the stream: at most one refused login, because
// a camera locks the account after a few wrong ones.

import { HttpSession, classify, isRedirect } from './http-session'
import { DEFAULT_TIMING } from './policy'
import type { CameraAddress, CameraCredentials, FailureReason } from '../types'

export type ProbeResult =
  | { ok: true; deviceType: string; serialNumber: string; firmware: string }
  | { ok: false; failure: ProbeFailure; detail: string }

/**
 * What a person can act on, each with its own words in the editor (`dahua-camera.probe.<failure>`):
 * - the classes of FailureReason (types.ts): `refused`, `dns`, `no-route`, `no-connect`, `timeout`, `protocol`,
 *   `redirect`, `basic`, and `tls` (only a certificate that Verify refused); detail: the port for `refused`, the
 *   limit in seconds for `no-connect` and `timeout`;
 * - `auth`: the login was refused (detail: tries left before logins pause);
 * - `not-dahua`: something answered, but not a Dahua CGI device (no detail: what else it is is not our business);
 * - `paused`: logins to this camera are paused after refusals (detail: the time they resume); nothing was sent;
 * - `password`: the address is not the one the stored password was saved for; it must be typed again;
 * - `no-login`: no username; nothing was sent;
 * - `unreachable`: any other network failure (detail: its code).
 */
export type ProbeFailure =
  | 'unreachable'
  | 'not-dahua'
  | 'auth'
  | 'tls'
  | 'basic'
  | 'paused'
  | 'password'
  | 'no-login'
  | 'refused'
  | 'dns'
  | 'no-route'
  | 'no-connect'
  | 'timeout'
  | 'protocol'
  | 'redirect'

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
    return { ok: false, failure: 'paused', detail: new Date(Date.now() + paused).toISOString() }
  }
  const ask = async (
    action: string,
  ): Promise<{ values: Record<string, string> } | { failed: ProbeResult }> => {
    const { status, body } = await http.cgi(`/cgi-bin/magicBox.cgi?action=${action}`)
    if (status === 401 || status === 403) {
      return { failed: { ok: false, failure: 'auth', detail: String(http.budget.left) } }
    }
    if (isRedirect(status)) {
      return { failed: { ok: false, failure: 'redirect', detail: String(status) } }
    }
    const values = parseKeyValues(body.toString('utf8'))
    // Not what else answers there (its status says which server it is): a person only needs "not a camera".
    if (status !== 200 || Object.keys(values).length === 0) {
      return { failed: { ok: false, failure: 'not-dahua', detail: '' } }
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
    const reason = await http.explain(classify(err), PROBE_TIMEOUT_MS)
    const failure = failureOf(reason, address)
    return { ok: false, failure, detail: detailOf(failure, reason, address) }
  } finally {
    await http.close()
  }
}

function failureOf(reason: FailureReason, address: CameraAddress): ProbeFailure {
  switch (reason.kind) {
    case 'refused':
    case 'dns':
    case 'no-route':
    case 'no-connect':
    case 'timeout':
    case 'protocol':
    case 'redirect':
    case 'basic':
      return reason.kind
    case 'tls':
      // The advice about "Verify the camera's certificate" only where it is on and is what refused.
      return address.verifyTls ? 'tls' : 'unreachable'
    default:
      return 'unreachable'
  }
}

/**
 * What the editor's sentence for `failure` needs, and no more (security-2026-12.md 9): the port that refused,
 * the limit that ran out, the certificate's complaint, the redirect's status, the Basic case.
 */
function detailOf(failure: ProbeFailure, reason: FailureReason, address: CameraAddress): string {
  switch (failure) {
    case 'refused':
      return String(address.port)
    case 'no-connect':
    case 'timeout':
      return String(Math.round(PROBE_TIMEOUT_MS / 1000))
    case 'tls':
    case 'redirect':
    case 'basic':
    case 'protocol':
    case 'unreachable':
      return reason.detail ?? ''
    default:
      return ''
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
