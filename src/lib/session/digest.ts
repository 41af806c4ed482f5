// SPDX-License-Identifier: Apache-2.0
// HTTP Digest login (RFC 2617, `qop=auth`, MD5), done here rather than by urllib: urllib reads a 401's whole body
// into memory before it answers the challenge, and a camera (or whoever answers for it) could send an endless one
// (review-2026-12.md 4). Here the challenge is taken from the headers and the body is never read.

import { createHash, randomBytes } from 'node:crypto'

export interface DigestChallenge {
  realm: string
  nonce: string
  qop?: string
  opaque?: string
  algorithm?: string
}

/** The Digest challenge among a 401's `WWW-Authenticate` headers, if there is one with a realm and a nonce. */
export function digestChallenge(header: string | string[] | undefined): DigestChallenge | undefined {
  const digest = (Array.isArray(header) ? header : [header ?? '']).find((h) => /^\s*digest\s/i.test(h))
  if (!digest) return undefined
  const fields: Record<string, string> = {}
  // Values are quoted (and may hold commas: qop="auth,auth-int") or bare tokens. Bounded like any header.
  for (const [, key, quoted, bare] of digest.slice(0, 4096).matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]*))/g)) {
    fields[(key as string).toLowerCase()] = quoted ?? bare ?? ''
  }
  const { realm, nonce, qop, opaque, algorithm } = fields
  return realm !== undefined && nonce ? { realm, nonce, qop, opaque, algorithm } : undefined
}

let count = 0

/** The `Authorization` header that answers `challenge` for a request of `method` on `uri`. */
export function digestAuthorization(
  method: string,
  uri: string,
  challenge: DigestChallenge,
  username: string,
  password: string,
): string {
  const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex')
  const ha1 = md5(`${username}:${challenge.realm}:${password}`)
  const ha2 = md5(`${method}:${uri}`)
  const auth = challenge.qop?.split(',').some((q) => q.trim() === 'auth') === true
  const nc = String((count = (count + 1) % 0xffffffff)).padStart(8, '0')
  const cnonce = randomBytes(8).toString('hex')
  const response = auth
    ? md5(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`)
    : md5(`${ha1}:${challenge.nonce}:${ha2}`)
  const quote = (value: string): string => `"${value.replace(/["\\]/g, '')}"`
  return [
    `Digest username=${quote(username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`,
    ...(challenge.algorithm ? [`algorithm=${challenge.algorithm.replace(/[^\w-]/g, '')}`] : []),
    `response=${quote(response)}`,
    ...(challenge.opaque !== undefined ? [`opaque=${quote(challenge.opaque)}`] : []),
    ...(auth ? ['qop=auth', `nc=${nc}`, `cnonce=${quote(cnonce)}`] : []),
  ].join(', ')
}
