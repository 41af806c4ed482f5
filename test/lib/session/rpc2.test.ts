import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  Rpc2LoginLocked,
  errorCode,
  errorMessage,
  isSessionGone,
  loginPassword,
  loginRefusal,
  type Reply,
} from '../../../src/lib/session/rpc2'

/** A device's RPC2 answer kept verbatim (test/fixtures/devices/door, SOURCES.md). */
function fixture(name: string): Reply {
  // Compiled tests run from .build/test/lib/session; the fixtures stay in the source tree.
  const text = readFileSync(join(__dirname, '../../../../test/fixtures/devices/door', name), 'utf8')
  return JSON.parse(text) as Reply
}

describe('RPC2 replies as devices send them', () => {
  it('reads a refusal in either shape: error {code, message}, or top-level errCode and message', () => {
    const nested = fixture('rpc2-session-invalid-287637505.json')
    assert.equal(errorCode(nested), 287637505)
    assert.equal(errorMessage(nested), 'Invalid session in request data!')
    const top = fixture('rpc2-request-length-error-top-level.json')
    assert.equal(errorCode(top), 287638033)
    assert.equal(errorMessage(top), 'Request length error!')
    assert.equal(errorCode({ result: true }), undefined)
  })

  it('knows a gone session by 287637504, 287637505 or a message naming the session, and nothing else', () => {
    // The NVR5464 answer has no `result` at all.
    assert.equal(isSessionGone(fixture('rpc2-session-invalid-287637505.json')), true)
    assert.equal(isSessionGone({ result: false, error: { code: 287637504, message: '' } }), true)
    assert.equal(isSessionGone({ result: false, errCode: 1, message: 'Session invalid' }), true)
    assert.equal(isSessionGone(fixture('rpc2-request-length-error-top-level.json')), false)
    assert.equal(
      isSessionGone({ result: false, error: { code: 268959743, message: 'Unknown error!' } }),
      false,
    )
    assert.equal(isSessionGone(fixture('rpc2-login-success.json')), false)
  })

  it('hashes the password as the challenge encryption asks (ipcmanview utils.go and its test vector)', () => {
    const realm = 'Login to a0c50bcd05b2f03d067e530d9bf069af'
    assert.deepEqual(loginPassword('Default', 'admin', '123', realm, '1172275829'), {
      password: '2E9AD6D2DB08E0882F376A622BC76B9A',
      loginType: 'Direct',
    })
    assert.deepEqual(loginPassword('Basic', 'admin', '123', realm, '1'), {
      password: Buffer.from('admin:123').toString('base64'),
      loginType: 'Direct',
    })
    assert.deepEqual(loginPassword('WatchNet', 'admin', '123', realm, '1'), {
      password: '123',
      loginType: 'WatchNet',
    })
    assert.deepEqual(loginPassword('OldDigest', 'admin', '123', realm, '1'), {
      password: '123',
      loginType: 'Direct',
    })
  })

  it('tells a locked account from a wrong password, and keeps the tries the device says are left', () => {
    const refused = loginRefusal(fixture('rpc2-login-refused-268632085.json'))
    assert.equal(refused instanceof Rpc2LoginLocked, false)
    assert.equal(refused.left, 2)
    assert.ok(loginRefusal({ result: false, error: { code: 268632081 } }) instanceof Rpc2LoginLocked)
    assert.ok(
      loginRefusal({ result: false, error: { code: 1, message: 'HasBeenLocked' } }) instanceof
        Rpc2LoginLocked,
    )
    assert.equal(loginRefusal({ result: false }).left, undefined)
  })

  it("keeps a device's refusal text printable and short: no escape, bell or line break reaches a log (security-2026-12.md 4)", () => {
    // The audit's hostile text: a terminal title, a screen clear, then a forged log line after CR LF.
    const hostile = `\x1b]0;pwned\x07\x1b[2J\r\n12 Jan 00:00:00 - [error] FORGED LINE\r${'A'.repeat(240_000)}`
    for (const reply of [{ error: { code: 1, message: hostile } }, { errCode: 1, message: hostile }]) {
      const text = errorMessage(reply)!
      assert.doesNotMatch(text, /\p{Cc}/u)
      assert.ok(text.length <= 120, `${text.length} characters`)
      assert.match(text, /^\]0;pwned \[2J 12 Jan/)
    }
  })
})
