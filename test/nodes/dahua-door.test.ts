import assert from 'node:assert/strict'
import type { CameraSimulator } from '../../src/sim/camera-simulator'
import type { Sequence } from '../../src/sim/door'
import { encodeEvent, formatPart } from '../../src/sim/wire'
import { simulator } from '../helpers/sim'
import {
  calls,
  cameraFlowNode,
  collect,
  control,
  credentials,
  doorFlowNode,
  flowHooks,
  helper,
  nodes,
  runtimeName,
  useTiming,
} from '../helpers/flows'
import { pass, until, waitFor } from '../helpers/wait'

const FAST = { retryBaseMs: 50, retryCapMs: 300, healthyAfterMs: 200 }

interface DoorPayload {
  event: string
  at: string
  button?: number
  room?: string
  door?: number
  user?: string
  method?: string
  image?: Buffer
  reconciled?: boolean
  raw: Array<{ code: string; action: string }>
}

describe(`dahua-door against doorbell and door station profiles, in ${runtimeName}`, function () {
  let sim: CameraSimulator
  flowHooks(() => sim, FAST)

  async function start(
    profile: string,
    options: { snapshot?: boolean; allowOpen?: unknown; channel?: unknown } = {},
  ): Promise<Array<{ topic: string; payload: DoorPayload }>> {
    sim = simulator({ profile })
    const port = await sim.listen()
    const attached = waitFor(sim, 'attach', 'the attach')
    await helper.load(
      nodes,
      [cameraFlowNode({ port }), ...doorFlowNode('door', options)],
      credentials('admin'),
    )
    await attached
    return collect('door-out') as unknown as Array<{ topic: string; payload: DoorPayload }>
  }
  const play = (sequence: Sequence): void => sim.door!.play(sequence)
  const events = (got: Array<{ payload: DoorPayload }>): string[] => got.map((m) => m.payload.event)

  for (const profile of ['ad410', 'vto', 'vto-apartment']) {
    it(`${profile}: a press is exactly one message, with every code of it, however the bytes arrive`, async () => {
      const got = await start(profile)
      const press = sim.profile.door!.sequences.press
      // The press's parts as bytes, written in pieces of 7 bytes with a pause between some.
      const bytes = Buffer.from(press.map((event) => formatPart(encodeEvent(event))).join(''))
      for (let at = 0; at < bytes.length; at += 7) {
        sim.sendRaw(bytes.subarray(at, at + 7))
        if (at % 70 === 0) await pass(5)
      }
      await until(() => got.length === 1, 'the press')
      await pass(900)
      assert.deepEqual(events(got), ['pressed'])
      const msg = got[0]!
      assert.equal(msg.topic, `dahua/127.0.0.1/door/pressed`)
      assert.deepEqual(
        msg.payload.raw.map((e) => `${e.code} ${e.action}`),
        press.map((e) => `${e.code} ${e.action}`),
      )
      // An apartment station's index is the room called (VTO2000A: 9902), not a button.
      if (profile === 'vto-apartment') {
        assert.deepEqual([msg.payload.room, msg.payload.button], ['9902', undefined])
      } else {
        assert.deepEqual([msg.payload.room, msg.payload.button], [undefined, 1])
      }
      assert.ok(!Number.isNaN(Date.parse(msg.payload.at)))
    })
  }

  it('presses in quick succession are one message; a press after the merge window is a second', async () => {
    const got = await start('vto')
    play('press')
    await pass(200)
    play('press')
    await until(() => got.length === 1, 'the first press')
    assert.equal(got[0]!.payload.raw.length, 4, 'both presses in one message')
    await pass(2_200)
    play('press')
    await until(() => got.length === 2, 'the second press')
    assert.deepEqual(events(got), ['pressed', 'pressed'])
  })

  it('a villa station: press, answered, hung up; and a missed call', async () => {
    const got = await start('vto')
    play('press')
    await until(() => got.length === 1, 'the press')
    play('answered')
    await until(() => got.length === 2, 'the answer')
    play('hungUp')
    await until(() => got.length === 3, 'the hang-up')
    play('press')
    await until(() => got.length === 4, 'the second press')
    play('missed')
    await until(() => got.length === 5, 'the missed call')
    await pass(800)
    assert.deepEqual(events(got), ['pressed', 'call-answered', 'call-ended', 'pressed', 'call-missed'])
  })

  it('an apartment station and a doorbell end their calls in their own codes', async () => {
    let got = await start('vto-apartment')
    play('press')
    play('missed')
    await until(() => got.length === 2, 'press and missed call')
    await pass(800)
    assert.deepEqual(events(got), ['pressed', 'call-missed'])
    await helper.unload()
    await sim.close()
    got = await start('ad410')
    play('press')
    play('hungUp')
    await until(() => got.length === 2, 'press and hang-up')
    await pass(800)
    assert.deepEqual(events(got), ['pressed', 'call-ended'])
  })

  it('a card at the reader: access granted by card to its user, the door opened and closed', async () => {
    const got = await start('vto')
    play('card')
    await until(() => got.length === 3, 'access, door opened, door closed')
    const [access, opened, closed] = got.map((m) => m.payload)
    assert.deepEqual(
      { event: access!.event, method: access!.method, user: access!.user, door: access!.door },
      { event: 'access-granted', method: 'card', user: '9901', door: 1 },
    )
    assert.deepEqual([opened!.event, opened!.door, closed!.event], ['door-opened', 1, 'door-closed'])
  })

  it('a press with a picture: the image of the press, without the door station trailer', async () => {
    const got = await start('vto', { snapshot: true })
    play('press')
    await until(() => got.length === 1, 'the press')
    const image = got[0]!.payload.image!
    assert.ok(Buffer.isBuffer(image))
    assert.deepEqual([...image.subarray(-2)], [0xff, 0xd9])
  })

  it("takes its pictures from the channel set in the node, a recorder's channel filming the door (issue 20 §2)", async () => {
    await start('nvr16', { channel: '3' })
    assert.equal((await control('door', { action: 'snapshot' })).contentType, 'image/jpeg')
    const pictures = sim.requests.filter((r) => r.url.startsWith('/cgi-bin/snapshot.cgi') && r.auth === 'ok')
    assert.deepEqual(
      pictures.map((r) => new URL(r.url, 'http://x').searchParams.get('channel')),
      ['3'],
    )
  })

  for (const channel of [undefined, '']) {
    it(`takes its pictures from channel 1 when its channel is ${channel === undefined ? 'unset (a node saved before the setting)' : 'an emptied field'}`, async () => {
      await start('nvr16', channel === undefined ? {} : { channel })
      assert.equal((await control('door', { action: 'snapshot' })).contentType, 'image/jpeg')
      const pictures = sim.requests.filter(
        (r) => r.url.startsWith('/cgi-bin/snapshot.cgi') && r.auth === 'ok',
      )
      assert.deepEqual(
        pictures.map((r) => new URL(r.url, 'http://x').searchParams.get('channel')),
        ['1'],
      )
      assert.deepEqual(calls('door', 'error'), [])
    })
  }

  it('says a channel that is no channel at deploy and on each picture, and asks the device for none', async () => {
    await start('vto', { channel: 'front' })
    assert.ok(
      calls('door', 'error').some((args) => String(args[0]) === 'dahua-door.errors.channel'),
      'the bad channel is said at deploy',
    )
    await assert.rejects(control('door', { action: 'snapshot' }), /dahua-door\.errors\.channel/)
    assert.equal(sim.requests.filter((r) => r.url.startsWith('/cgi-bin/snapshot.cgi')).length, 0)
  })

  it('opens the door through accessControl.cgi where the station has it', async () => {
    const got = await start('vto', { allowOpen: true })
    const out = await control('door', { action: 'open', payload: 2 })
    assert.deepEqual(out.payload, { action: 'open', door: 2, ok: true })
    assert.deepEqual(sim.door!.opened, [{ door: 2, via: 'cgi' }])
    await until(() => events(got).includes('door-closed'), 'the door open and closed again')
    const remote = got.find((m) => m.payload.event === 'access-granted')!.payload
    assert.equal(remote.method, 'remote')
    assert.ok(
      calls('door', 'log').some((args) => String(args[0]).includes('dahua-door.log.open')),
      'the open is logged',
    )
  })

  it('opens through RPC2 where accessControl.cgi is 404, with one login for many opens', async () => {
    // Each open a door sent again at once (no "already opened" window), to count the logins of many.
    useTiming({ ...FAST, doorOpenAgainMs: 0 })
    await start('vto-apartment', { allowOpen: true })
    for (let i = 0; i < 5; i++) {
      assert.deepEqual((await control('door', { action: 'open' })).payload, {
        action: 'open',
        door: 1,
        ok: true,
      })
    }
    assert.equal(sim.door!.opened.length, 5)
    assert.ok(sim.door!.opened.every((o) => o.via === 'rpc2'))
    assert.equal(sim.rpc2.rpcLogins, 1, 'one RPC2 login shared by every open')
    const cgiTries = sim.requests.filter(
      (r) => r.url.startsWith('/cgi-bin/accessControl.cgi?action=openDoor') && r.auth === 'ok',
    )
    assert.equal(cgiTries.length, 1, 'the CGI path was tried once, then the RPC2 path kept')
  })

  it('refuses to open without "Allow opening the door", and nothing reaches the station', async () => {
    await start('vto')
    await assert.rejects(
      control('door', { action: 'open' }),
      (err: Error) => err.message === 'dahua-door.errors.open-not-allowed',
    )
    assert.deepEqual(sim.door!.opened, [])
    assert.equal(sim.requests.filter((r) => r.url.includes('accessControl')).length, 0)
    assert.ok(calls('door', 'warn').some((args) => String(args[0]).includes('dahua-door.log.open-refused')))
  })

  it('one press, one open: 10 messages in a row open the door once, the others are answered alreadyOpened and not logged as opens; after the window it opens again', async () => {
    useTiming({ ...FAST, doorOpenAgainMs: 600 })
    await start('vto', { allowOpen: true })
    const answers = []
    for (let i = 0; i < 10; i++) answers.push((await control('door', { action: 'open' })).payload)
    assert.deepEqual(sim.door!.opened, [{ door: 1, via: 'cgi' }])
    assert.deepEqual(answers[0], { action: 'open', door: 1, ok: true })
    assert.ok(
      answers.slice(1).every((a) => (a as { alreadyOpened?: boolean }).alreadyOpened === true),
      JSON.stringify(answers),
    )
    // Another door is its own lock.
    await control('door', { action: 'open', payload: 2 })
    assert.equal(sim.door!.opened.length, 2)
    await pass(700)
    await control('door', { action: 'open' })
    assert.equal(sim.door!.opened.length, 3, 'a press after the window opens again')
    const logged = calls('door', 'log').filter((args) => String(args[0]).includes('dahua-door.log.open'))
    assert.equal(logged.length, 3, 'one log line per open sent')
  })

  it('a flow that sends refused opens in a loop gets one warning a minute, not one per message', async () => {
    await start('vto')
    for (let i = 0; i < 20; i++) {
      await control('door', { action: 'open' }).catch(() => undefined)
    }
    const warned = calls('door', 'warn').filter((args) => String(args[0]).includes('open-refused'))
    assert.equal(warned.length, 1)
    assert.deepEqual(sim.door!.opened, [])
  })

  // Only a real `true` opens: a flow file written by a tool, or `${VAR}` (Node-RED substitutes environment
  // variables in string properties), gives strings, and "false" is truthy (review-2026-12.md 9).
  for (const allowOpen of ['false', '0', 'no', 'yes', 1, '${DOOR_OPEN_ALLOWED}']) {
    it(`refuses to open with "Allow opening the door" set to ${JSON.stringify(allowOpen)}, not the boolean true`, async () => {
      process.env.DOOR_OPEN_ALLOWED = 'false'
      try {
        await start('vto', { allowOpen })
        await assert.rejects(
          control('door', { action: 'open' }),
          (err: Error) => err.message === 'dahua-door.errors.open-not-allowed',
        )
        assert.deepEqual(sim.door!.opened, [])
      } finally {
        delete process.env.DOOR_OPEN_ALLOWED
      }
    })
  }

  it('opens with "Allow opening the door" from an environment variable set to true', async () => {
    process.env.DOOR_OPEN_ALLOWED = 'true'
    try {
      await start('vto', { allowOpen: '${DOOR_OPEN_ALLOWED}' })
      await control('door', { action: 'open' })
      assert.deepEqual(sim.door!.opened, [{ door: 1, via: 'cgi' }])
    } finally {
      delete process.env.DOOR_OPEN_ALLOWED
    }
  })

  for (const profile of ['vto', 'vto-apartment']) {
    it(`${profile}: hangs up a call under way over RPC2, and reads the call state before and after`, async () => {
      const got = await start(profile)
      play('press')
      play('answered')
      await until(() => events(got).includes('call-answered'), 'the press, answered')
      assert.equal(sim.door!.callState, 'Talking')
      assert.deepEqual((await control('door', { action: 'hang-up' })).payload, {
        action: 'hang-up',
        ok: true,
        hungUp: true,
        state: 'Idle',
      })
      assert.equal(sim.door!.hangUps, 1)
      assert.equal(sim.door!.callState, 'Idle')
      await until(() => events(got).includes('call-ended'), 'the call ended')
    })
  }

  it('a hang-up with no call under way sends no hang-up: the station said Idle (DahuaBridge)', async () => {
    await start('vto-apartment')
    assert.deepEqual((await control('door', { action: 'hang-up' })).payload, {
      action: 'hang-up',
      ok: true,
      hungUp: false,
      state: 'Idle',
    })
    assert.equal(sim.door!.hangUps, 0)
  })

  it('apartment station: one message per press, each with its room; presses apart are two', async () => {
    const got = await start('vto-apartment')
    play('press')
    await until(() => got.length === 1, 'the first press')
    await pass(2_200)
    play('press')
    await until(() => got.length === 2, 'the second press')
    await pass(800)
    assert.deepEqual(
      got.map((m) => [m.payload.event, m.payload.room]),
      [
        ['pressed', '9902'],
        ['pressed', '9902'],
      ],
    )
  })

  it('opens the second door over RPC2 as myhomeiot does: instance channel 1, DoorIndex 0', async () => {
    const got = await start('vto-apartment', { allowOpen: true })
    assert.deepEqual((await control('door', { action: 'open', payload: 2 })).payload, {
      action: 'open',
      door: 2,
      ok: true,
    })
    assert.deepEqual(sim.door!.opened, [{ door: 2, via: 'rpc2' }])
    await until(() => events(got).includes('door-closed'), 'door 2 opened and closed')
    const doors = got.filter((m) => m.payload.event?.startsWith('door-')).map((m) => m.payload.door)
    assert.deepEqual(doors, [2, 2])
  })

  it('a session the station dropped (287637505, NVR5464) is logged in again once and the open retried', async () => {
    await start('vto-apartment', { allowOpen: true })
    sim.rpc2.invalidSessionCode = 287637505
    await control('door', { action: 'open' })
    assert.equal(sim.rpc2.rpcLogins, 1)
    sim.rpc2.expireSessions()
    // The second door: the first was just opened, and is answered "already opened" without a call.
    assert.deepEqual((await control('door', { action: 'open', payload: 2 })).payload, {
      action: 'open',
      door: 2,
      ok: true,
    })
    assert.equal(sim.rpc2.rpcLogins, 2, 'one new login')
    assert.deepEqual(
      sim.door!.opened.map((o) => o.door),
      [1, 2],
    )
  })

  it('an open answered 400 while the door opened (rr#154): the door contact says Open, and it is not sent twice', async () => {
    await start('vto', { allowOpen: true })
    sim.door!.openAnswers400 = true
    assert.deepEqual((await control('door', { action: 'open' })).payload, {
      action: 'open',
      door: 1,
      ok: true,
      contact: 'Open',
    })
    assert.deepEqual(sim.door!.opened, [{ door: 1, via: 'cgi' }])
  })

  it('an open answered 400 that the door contact cannot confirm is said as unverified, not done', async () => {
    await start('vto', { allowOpen: true })
    await assert.rejects(
      control('door', { action: 'open', payload: 3 }),
      (err: Error) => err.message === 'dahua-door.errors.door-unverified',
    )
    assert.deepEqual(sim.door!.opened, [])
    const opens = sim.requests.filter((r) => r.url.includes('action=openDoor') && r.auth === 'ok')
    assert.equal(opens.length, 1, 'not sent again')
  })

  it('a reconnect in the middle of a call: the call that ended meanwhile is ended, marked reconciled', async () => {
    const got = await start('vto')
    play('press')
    await until(() => got.length === 1, 'the press')
    await sim.refuseConnections(true)
    sim.door!.callState = 'Idle' // hung up while the stream was down: no code reached us
    await sim.refuseConnections(false)
    await until(() => got.length === 2, 'the call ended after the reconnect', 10_000)
    assert.deepEqual(events(got), ['pressed', 'call-ended'])
    assert.equal(got[1]!.payload.reconciled, true)
  })

  it('a door that opened while the stream was down is said after the reconnect', async () => {
    const got = await start('vto')
    play('card')
    await until(() => events(got).includes('door-closed'), 'the door closed')
    await sim.refuseConnections(true)
    sim.door!.setContact(1, 'Open')
    await sim.refuseConnections(false)
    await until(() => got.length === 4, 'the door opened, said after the reconnect', 10_000)
    assert.deepEqual(
      { event: got[3]!.payload.event, door: got[3]!.payload.door, reconciled: got[3]!.payload.reconciled },
      { event: 'door-opened', door: 1, reconciled: true },
    )
  })

  it('a door that opens as the stream comes back is one door-opened, not a reconciled one and a live one', async () => {
    const got = await start('vto')
    play('card')
    await until(() => events(got).includes('door-closed'), 'the door closed')
    await sim.refuseConnections(true)
    const attached = waitFor(sim, 'attach', 'the re-attach', 10_000)
    await sim.refuseConnections(false)
    await attached
    sim.door!.setContact(1, 'Open')
    sim.send({ code: 'DoorStatus', action: 'Pulse', index: 0, data: { Status: 'Open' } })
    await until(() => events(got).filter((e) => e === 'door-opened').length >= 2, 'the door opened', 5_000)
    await pass(1_500)
    assert.deepEqual(events(got).slice(3), ['door-opened'], 'said once')
  })

  it('a wrong action and a wrong door number say what to send', async () => {
    await start('vto', { allowOpen: true })
    await assert.rejects(
      control('door', { action: 'ring' }),
      (err: Error) => err.message === 'dahua-door.errors.action',
    )
    await assert.rejects(
      control('door', { action: 'open', payload: 'front' }),
      (err: Error) => err.message === 'dahua-door.errors.door',
    )
    assert.deepEqual(sim.door!.opened, [])
  })

  it('a doorbell without a lock says it has no door to open', async () => {
    await start('ad410', { allowOpen: true })
    await assert.rejects(
      control('door', { action: 'open' }),
      (err: Error) => err.message === 'dahua-door.errors.no-door',
    )
  })

  it('a wrong password: RPC2 logins and the stream share one budget, and the device sees at most 3 refusals', async () => {
    sim = simulator({ profile: 'vto-apartment', password: 'other' })
    const port = await sim.listen()
    await helper.load(nodes, [cameraFlowNode({ port }), ...doorFlowNode('door')], credentials('admin'))
    const failures: string[] = []
    for (let i = 0; i < 6; i++) {
      await control('door', { action: 'hang-up' }).catch((err: Error) => failures.push(err.message))
    }
    assert.equal(failures.length, 6)
    assert.equal(failures.at(-1), 'dahua-door.errors.paused')
    await pass(300)
    assert.ok(
      sim.refusedLogins + sim.rpc2.rpcRefusals <= 3,
      `${sim.refusedLogins} HTTP and ${sim.rpc2.rpcRefusals} RPC2 refusals`,
    )
    assert.equal(sim.door!.hangUps, 0)
  })

  it('a station that takes the digest login, refuses RPC2 and has no openDoor CGI (rr#465): 10 opens send at most 3 RPC2 logins, then say paused', async () => {
    await start('vto-apartment', { allowOpen: true })
    sim.rpc2.refuseLogins = true
    const failures: string[] = []
    const open = (): Promise<unknown> =>
      control('door', { action: 'open' }).catch((err: Error) => failures.push(err.message))
    const picture = async (): Promise<void> =>
      assert.equal((await control('door', { action: 'snapshot' })).contentType, 'image/jpeg')
    // Three in a row: the password works over HTTP, so they do not pause the camera's other logins.
    for (let i = 0; i < 3; i++) await open()
    await picture()
    // A success over HTTP between opens (here a picture) does not clear RPC2's refusals.
    for (let i = 3; i < 10; i++) {
      await open()
      await picture()
    }
    assert.equal(failures.length, 10)
    assert.ok(sim.rpc2.rpcRefusals <= 3, `${sim.rpc2.rpcRefusals} RPC2 logins refused`)
    assert.deepEqual(failures.slice(3), Array(7).fill('dahua-door.errors.paused'))
    const cgiTries = sim.requests.filter(
      (r) => r.url.startsWith('/cgi-bin/accessControl.cgi?action=openDoor') && r.auth === 'ok',
    )
    assert.equal(cgiTries.length, 1, 'its 404 is remembered at once')
    assert.deepEqual(sim.door!.opened, [])
  })

  it('a flood of open messages waits its turn: every message is answered, the door opened a few times', async () => {
    await start('vto', { allowOpen: true })
    const answers = await Promise.all(Array.from({ length: 50 }, () => control('door', { action: 'open' })))
    assert.equal(answers.length, 50)
    assert.ok(answers.every((a) => (a.payload as { ok: boolean }).ok))
    assert.ok(sim.door!.opened.length <= 2, `${sim.door!.opened.length} opens for 50 messages`)
  })
})
