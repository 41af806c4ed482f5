// Snapshots as strict decoders want them: the firmware faults of acting-and-doors.md row 7, repaired.
import assert from 'node:assert/strict'
import { cleanJpeg } from '../../../src/lib/session/jpeg'

const SOI = [0xff, 0xd8]
const EOI = [0xff, 0xd9]
/** A small JPEG-framed picture: SOI, a comment, a quantisation table, a scan with stuffed and restart bytes, EOI. */
function picture(commentLengthError = 0): Buffer {
  const text = Buffer.from('channel 1')
  const com = [0xff, 0xfe, 0, text.length + 2 + commentLengthError, ...text]
  const dqt = [0xff, 0xdb, 0, 5, 1, 2, 3]
  const sos = [0xff, 0xda, 0, 4, 9, 9, 0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56]
  return Buffer.from([...SOI, ...com, ...dqt, ...sos, ...EOI])
}

describe('snapshot cleaning', () => {
  it('passes a clean JPEG on as it is, the very Buffer', () => {
    const clean = picture()
    assert.equal(cleanJpeg(clean), clean)
  })

  it("drops a door station's dhav trailer after the end marker", () => {
    const clean = picture()
    const sent = Buffer.concat([clean, Buffer.from('dhav\x00\x00\x00\x08', 'latin1')])
    assert.deepEqual(cleanJpeg(sent), clean)
  })

  it('cuts a comment whose length overstates it to where the next marker begins', () => {
    assert.deepEqual(cleanJpeg(picture(7)), picture())
    assert.deepEqual(cleanJpeg(Buffer.concat([picture(7), Buffer.from('dhav')])), picture())
  })

  it('leaves alone what is not a JPEG it can walk', () => {
    const text = Buffer.from('Error\r\nNo Authority!\r\n')
    assert.equal(cleanJpeg(text), text)
    const cut = picture().subarray(0, 10)
    assert.equal(cleanJpeg(cut), cut)
  })
})
