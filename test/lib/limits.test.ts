// The bounds of limits.ts in the pure layers: the framer, the body decoder, the ledger's answer parser and the
// text that reaches logs and topics. Each test is a hostile input that went unbounded or unsafe before.
import assert from 'node:assert/strict'
import { decodeEventBody } from '../../src/lib/stream/event-body'
import { parseEventIndexes } from '../../src/lib/stream/ledger'
import {
  DEFAULT_SNAPSHOT_BYTES,
  MAX_DATA_DEPTH,
  MAX_INDEX,
  SNAPSHOT_BYTES_RANGE,
  snapshotBytes,
} from '../../src/lib/limits'
import { parseChannelTitles } from '../../src/lib/stream/event-stream'
import { toMessage } from '../../src/lib/stream/message'
import { printable, topicSegment } from '../../src/lib/text'
import { deepEvent, endlessMarkerLine, prototypeKeysEvent } from '../../src/sim/hostile'
import { formatPart } from '../../src/sim/wire'
import { parseChunks } from '../helpers/parse'

const motion = formatPart('Code=VideoMotion;action=Start;index=0')

describe('limits on what a camera sends', () => {
  it('drops a boundary marker line that never ends, says so, and parses the part after it', () => {
    const line = endlessMarkerLine(5 * 1024 * 1024)
    const chunks: Buffer[] = [Buffer.from(motion)]
    for (let at = 0; at < line.length; at += 64 * 1024) {
      chunks.push(line.subarray(at, at + 64 * 1024))
    }
    chunks.push(Buffer.from(`\r\n${motion}`))
    const { outcomes, skipped } = parseChunks(chunks)
    assert.equal(outcomes.length, 2, 'the parts before and after')
    assert.deepEqual(
      skipped.map((s) => s.reason),
      ['long-line'],
    )
  })

  it(`passes data nested deeper than ${MAX_DATA_DEPTH} levels on as its text, with the limit named`, () => {
    const deep = decodeEventBody(deepEvent(5_000).split('\r\n\r\n')[1]!)
    assert.equal(deep.kind, 'events')
    if (deep.kind === 'events') {
      assert.equal(typeof deep.events[0]?.data, 'string')
      assert.equal(deep.limit, 'depth')
    }
    const ok = `[${'{"a":'.repeat(MAX_DATA_DEPTH - 1)}1${'}'.repeat(MAX_DATA_DEPTH - 1)}]`
    const shallow = decodeEventBody(`Code=X;action=Pulse;index=0;data=${ok}`)
    assert.ok(shallow.kind === 'events' && typeof shallow.events[0]?.data === 'object' && !shallow.limit)
    // Brackets inside strings are not nesting.
    const text = decodeEventBody(`Code=X;action=Pulse;index=0;data={"Name":"${'['.repeat(100)}\\"["}`)
    assert.ok(text.kind === 'events' && typeof text.events[0]?.data === 'object')
  })

  it('removes __proto__, constructor and prototype keys from data, and nothing else', () => {
    const body = prototypeKeysEvent().split('\r\n\r\n')[1]!
    const decoded = decodeEventBody(body)
    assert.ok(decoded.kind === 'events')
    const data = decoded.events[0]?.data as Record<string, unknown>
    assert.deepEqual(Object.keys(data), ['Name'])
    assert.equal(Object.getPrototypeOf(data), Object.prototype)
    assert.equal(decoded.limit, 'keys')
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    const copy = Object.assign({}, data)
    assert.equal(Object.getPrototypeOf(copy), Object.prototype)
  })

  it(`refuses an index past ${MAX_INDEX}, and codes and actions too long to be Dahua's`, () => {
    const at = (body: string): string => {
      const decoded = decodeEventBody(body)
      return decoded.kind === 'invalid' ? decoded.reason : decoded.kind
    }
    assert.equal(at(`Code=X;action=Start;index=${'9'.repeat(400)}`), `index over ${MAX_INDEX}`)
    assert.equal(at(`Code=X;action=Start;index=${MAX_INDEX}`), 'events')
    assert.match(at(`Code=${'A'.repeat(65)};action=Start;index=0`), /Code longer than 64/)
    assert.match(at(`Code=X;action=${'S'.repeat(33)};index=0`), /action longer than 32/)
  })

  it('believes a getEventIndexes answer only for channels that can exist, each once', () => {
    const answer = `channels[0]=1\r\nchannels[1]=1\r\nchannels[2]=${MAX_INDEX + 1}\r\nchannels[3]=${'9'.repeat(400)}\r\n`
    assert.deepEqual(parseEventIndexes(answer), { active: [1] })
  })

  it('makes a code a safe topic segment and keeps it as sent in the payload', () => {
    const code = 'Bad/Code#+\u0000\u001b[31m'
    const msg = toMessage({ code, action: 'Start', index: 0 }, { name: 'cam', host: 'h' }, 0)
    assert.equal(msg.topic, 'dahua/cam/Bad_Code_____31m/1')
    assert.equal(msg.payload.code, code)
    assert.equal(topicSegment('_DoTalkAction_'), '_DoTalkAction_')
    assert.equal(topicSegment(''), '_')
  })

  it('strips control and invisible formatting characters from text bound for a log', () => {
    assert.equal(printable('a\u001b[2Jb\u0000c\r\nd\u202ee\u0085f'), 'a [2Jb c d e f')
  })

  it('keeps the snapshot limit from settings.js within its range', () => {
    assert.equal(snapshotBytes(undefined), DEFAULT_SNAPSHOT_BYTES)
    assert.equal(snapshotBytes('lots'), DEFAULT_SNAPSHOT_BYTES)
    assert.equal(snapshotBytes(1), SNAPSHOT_BYTES_RANGE[0])
    assert.equal(snapshotBytes(1e12), SNAPSHOT_BYTES_RANGE[1])
    assert.equal(snapshotBytes(2_000_000), 2_000_000)
  })

  it('believes channel names only for real channels, cut short and without control characters', () => {
    const names = parseChannelTitles(
      `table.ChannelTitle[0].Name=Front door\r\ntable.ChannelTitle[1].Name=\u001b[31mGarage\r\ntable.ChannelTitle[2].Name=${'x'.repeat(500)}\r\ntable.ChannelTitle[5000].Name=Nowhere\r\n`,
    )
    assert.deepEqual([...names.keys()], [0, 1, 2])
    assert.equal(names.get(0), 'Front door')
    assert.equal(names.get(1), '[31mGarage')
    assert.equal(names.get(2)?.length, 64)
  })
})
