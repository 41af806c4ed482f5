// The device report's pure parts: the serial masked, the device's session list read from an allow-list of
// fields, every line and the whole text bounded, and the last events kept in a ring of fixed size.
import assert from 'node:assert/strict'
import { MAX_LINE_CHARS, MAX_REPORT_CHARS, activeSessions, bounded, maskSerial } from '../../src/lib/report'
import { RECENT_EVENTS, RecentEvents } from '../../src/lib/stream/recent'

describe('the device report, pure parts', function () {
  it('masks a serial but its first 4 and last 2 characters, and a short one whole', () => {
    assert.equal(maskSerial('7G0B8F9PAZ12345'), '7G0B*********45')
    assert.equal(maskSerial('ABC1234'), '*******')
    assert.equal(maskSerial(''), '')
    assert.equal(maskSerial(`AB\u001b[2J${'x'.repeat(500)}`).length, 64, 'cleaned and cut')
  })

  it("reads only the client's address, type and login time of each session, at most 32 of them", () => {
    // Not a device's answer (no capture of this call was found): lines in the CGI's `users[N].Field=value` form
    // with the field names ipcmanview's usermanager.go reads, and fields the report must leave out.
    const lines = [
      'users[0].ClientAddress=192.168.1.20',
      'users[0].ClientType=Web3.0',
      'users[0].LoginTime=2026-12-07 13:30:01',
      'users[0].Name=installer',
      'users[0].Group=admin',
      'users[1].ClientAddress=192.168.1.21',
    ]
    const { sessions, more } = activeSessions(lines.join('\r\n'))
    assert.deepEqual(sessions, [
      { address: '192.168.1.20', type: 'Web3.0', since: '2026-12-07 13:30:01' },
      { address: '192.168.1.21' },
    ])
    assert.equal(more, 0)
    assert.ok(!JSON.stringify(sessions).includes('installer'), 'no account name')
    const many = Array.from({ length: 40 }, (_, i) => `users[${i}].ClientAddress=10.0.0.${i}`).join('\n')
    const cut = activeSessions(many)
    assert.equal(cut.sessions.length, 32)
    assert.equal(cut.more, 8)
  })

  it('cuts each line and the whole text', () => {
    const text = bounded(['short', 'y'.repeat(1000), ...Array.from({ length: 2000 }, (_, i) => `line ${i}`)])
    assert.ok(text.length <= MAX_REPORT_CHARS + 1, `${text.length} characters`)
    for (const line of text.split('\n')) assert.ok(line.length <= MAX_LINE_CHARS, line)
    assert.match(text, /^y{159}…$/m)
    assert.match(text, /… \(cut at 16384 characters\)\n$/)
  })

  it('keeps the last 20 events, oldest first, with their codes, actions, channels and times only', () => {
    const recent = new RecentEvents()
    for (let i = 0; i < 45; i++) {
      recent.add({ code: `Code${i}`, action: 'Pulse', index: i % 4, data: { CardNo: '12345' } }, 1000 + i)
    }
    const list = recent.list()
    assert.equal(list.length, RECENT_EVENTS)
    assert.deepEqual(list[0], { at: 1025, code: 'Code25', action: 'Pulse', channel: 2 })
    assert.equal(list.at(-1)?.code, 'Code44')
    assert.ok(!JSON.stringify(list).includes('12345'), "an event's data is not kept")
  })
})
