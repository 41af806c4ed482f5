// SPDX-License-Identifier: Apache-2.0
// The devices the simulator can be: each profile is what one family of real Dahua-firmware devices answers
// on HTTP, taken from captures and issue threads (field-notes.md, dahua-protocol.md 3.2 and 4.4). The tests
// run their main scenarios against every profile, so that no code path is only ever tried on one device.

import type { CameraEvent } from '../lib/types'
import type { ControlProfile } from './device'
import type { DoorProfile } from './door'
import { gate } from './scenario'

export interface DeviceProfile {
  name: string
  /** One line for `--help` and test titles. */
  description: string
  /** 2014-2015 firmware answers `Basic realm="Device_CGI"` only (rroller#583). */
  auth: 'digest' | 'basic'
  /** `magicBox.cgi?action=getSystemInfo` `deviceType=`: recorders answer a number (31), not their model. */
  systemDeviceType: string
  /** `magicBox.cgi?action=getDeviceType` `type=` and `updateSerial=`: where a recorder names its model. */
  model: string
  firmware: string
  /** Video channels: `snapshot.cgi?channel=` is 1-based and refuses 0 and anything past this (rr PR#707). */
  channels: number
  /** `configManager.cgi?action=getConfig&name=ChannelTitle`, recorders only. */
  channelTitles?: string[]
  /**
   * `configManager.cgi?action=getConfig&name=RemoteDevice`, recorders only: per 0-based slot the camera's
   * `DeviceType` and whether the slot is enabled (camera-simulator.ts writes the lines as real recorders do).
   */
  remoteDevices?: Array<{ deviceType: string; enable: boolean }>
  /**
   * How `data=` JSON is written: 3-space indentation with the trailing LF counted in Content-Length, or tab
   * indentation with a Content-Length that stops at the closing brace (byte-exact IPC capture, ipcmanview).
   */
  json: 'spaces' | 'tabs'
  /** What follows the JPEG's end marker: a `dhav` trailer (VTO), or a COM segment whose length is wrong (rr#575). */
  snapshotQuirk?: 'dhav-trailer' | 'bad-com-length'
  /** Codes whose getEventIndexes answer is "No Events" whatever is active (dahua-protocol.md 3.1 trap). */
  untrackedCodes: string[]
  /** What this device sends, in the order a real one does: the profile scenarios replay and check these. */
  sample: CameraEvent[]
  /** What `dahua-camera-sim` plays: a camera's day (scenario.ts), or for `sample` these events, one every 5 s. */
  demo?: 'sample'
  /** What it can be told to do, and how its model does it (device.ts). */
  controls: ControlProfile
  /** A doorbell or door station: what its family sends, and how its door is opened (door.ts). */
  door?: DoorProfile
}

const ipcSample: CameraEvent[] = [
  {
    code: 'VideoMotion',
    action: 'Start',
    index: 0,
    data: { Id: [0], RegionName: ['Region1'], SmartMotionEnable: false },
  },
  {
    code: 'CrossLineDetection',
    action: 'Start',
    index: 0,
    data: gate,
  },
  { code: 'CrossLineDetection', action: 'Stop', index: 0, data: { Name: 'Gate', RuleId: 1 } },
  {
    code: 'VideoMotion',
    action: 'Stop',
    index: 0,
    data: { Id: [0], RegionName: ['Region1'], SmartMotionEnable: false },
  },
  { code: 'AlarmLocal', action: 'Start', index: 0 },
  { code: 'AlarmLocal', action: 'Stop', index: 0 },
  {
    code: 'NewFile',
    action: 'Pulse',
    index: 0,
    data: { File: '/mnt/sd/2026-11-24/001/jpg/14/06/26[M][0@0][0].jpg', Size: 46808 },
  },
]

// One press on an AD410, in the order amcrest2mqtt#6 and pa#137 show it.
const doorbellSample: CameraEvent[] = [
  { code: 'VideoMotion', action: 'Start', index: 0, data: { Id: [0], RegionName: ['Region1'] } },
  { code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 1 } },
  {
    code: '_DoTalkAction_',
    action: 'Pulse',
    index: 0,
    data: { Action: 'Invite', CallID: '20261124104117@838181@192.168.2.25', CallSrcMask: '4' },
  },
  { code: 'PhoneCallDetect', action: 'Start', index: 0 },
  { code: 'CallNoAnswered', action: 'Start', index: 0, data: { CallID: '9' } },
  { code: 'CallNoAnswered', action: 'Stop', index: 0, data: { CallID: '9' } },
  { code: 'PhoneCallDetect', action: 'Stop', index: 0 },
  {
    code: '_DoTalkAction_',
    action: 'Pulse',
    index: 0,
    data: {
      Action: 'Hangup',
      CallID: '20261124104117@838181@192.168.2.25',
      CallSrcMask: 4,
      HangupReason: 'HangupByPhone',
    },
  },
  { code: 'VideoMotion', action: 'Stop', index: 0, data: { Id: [0], RegionName: ['Region1'] } },
]

// A VTO villa station: a press, the door opened by card, the door contact (dahua-protocol.md 4.4).
const vtoSample: CameraEvent[] = [
  { code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 1 } },
  { code: 'CallNoAnswered', action: 'Start', index: 0, data: { CallID: '3' } },
  { code: 'CallNoAnswered', action: 'Stop', index: 0, data: { CallID: '3' } },
  {
    code: 'AccessControl',
    action: 'Pulse',
    index: 0,
    data: { CardNo: '7A087D0F', Method: 1, Name: 'OpenDoor', ReaderID: '1', Status: 1, UserID: '9901' },
  },
  { code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 8 } },
  { code: 'DoorStatus', action: 'Pulse', index: 0, data: { Status: 'Open', UTC: 1795999677 } },
  { code: 'DoorStatus', action: 'Pulse', index: 0, data: { Status: 'Close', UTC: 1795999684 } },
]

// A recorder sends every channel's events on its one stream (dahua-protocol.md 5.11: index 0 = channel 1).
const nvrSample: CameraEvent[] = [
  ...Array.from({ length: 16 }, (_, index): CameraEvent => ({
    code: 'VideoMotion',
    action: 'Start',
    index,
    data: { Id: [0], RegionName: ['Region1'] },
  })),
  { code: 'SmartMotionHuman', action: 'Start', index: 4, data: { RegionName: ['Region1'], WindowId: [0] } },
  { code: 'VideoLoss', action: 'Start', index: 15 },
  { code: 'VideoLoss', action: 'Stop', index: 15 },
  { code: 'SmartMotionHuman', action: 'Stop', index: 4, data: { RegionName: ['Region1'], WindowId: [0] } },
  ...Array.from({ length: 16 }, (_, index): CameraEvent => ({
    code: 'VideoMotion',
    action: 'Stop',
    index,
    data: { Id: [0], RegionName: ['Region1'] },
  })),
]

// A traffic (ITC) camera's plate events, their fields and values as real ones sent them (test/fixtures/events,
// SOURCES.md): a toll gate's TrafficJunction with no plate read (YutthapoomSa/dahua-api, over RPC2), and a parking
// and a wrong-way event with plates (hysios/dhhttp, over snapManager: the same fields). A subset of each; the
// detection tests check every value against the captures.
const anprSample: CameraEvent[] = [
  {
    code: 'TrafficJunction',
    action: 'Pulse',
    index: 0,
    data: {
      Class: 'Traffic',
      EventID: 516,
      GroupID: 175706653,
      Lane: 2,
      Name: 'TrafficTollGate0',
      Object: {
        Action: 'Appear',
        BoundingBox: [0, 0, 0, 0],
        Confidence: 0,
        ObjectID: 5995,
        ObjectType: 'Plate',
        Text: '',
      },
      RuleID: 31,
      TrafficCar: {
        PlateColor: 'Unknown',
        PlateType: 'Unknown',
        VehicleColor: 'Blue',
        VehicleSize: 'Light-duty',
      },
      UTC: 1706625295,
      UTCMS: 305,
    },
  },
  {
    code: 'TrafficParking',
    action: 'Start',
    index: 0,
    data: {
      CommInfo: { Country: 'CHN' },
      GroupID: 1647090670,
      Lane: 1,
      Object: {
        Action: 'Appear',
        BoundingBox: [5954, 2234, 6346, 2404],
        Confidence: 0,
        Country: 'CHN',
        ObjectID: 1647090670,
        ObjectType: 'Plate',
        Text: '鄂A06654',
      },
      TrafficCar: {
        PlateColor: 'Blue',
        PlateNumber: '鄂A06654',
        PlateType: 'Normal',
        VehicleColor: 'Black',
        VehicleSign: 'Unknown',
        VehicleSize: 'Light-duty',
      },
      UTC: 1615554670,
      UTCMS: 619,
      Vehicle: { BoundingBox: [2640, 1872, 5864, 6432], Category: 'Unknown', ObjectType: 'Vehicle' },
    },
  },
  {
    code: 'TrafficRetrograde',
    action: 'Pulse',
    index: 0,
    data: {
      Name: '逆行',
      Object: {
        Action: 'Appear',
        BoundingBox: [2242, 1989, 2474, 2092],
        Confidence: 0,
        Country: 'CHN',
        ObjectID: 3038302,
        ObjectType: 'Plate',
        Text: '粤MTU952',
      },
      RuleID: 21,
      TrafficCar: {
        PlateColor: 'Blue',
        PlateNumber: '粤MTU952',
        VehicleColor: 'Gray',
        VehicleSign: 'Unknown',
      },
      Vehicle: { Category: 'LargeTruck', ObjectType: 'Vehicle' },
    },
  },
]

/**
 * A recorder's face recognition: the fields of rr#573's capture (NVR2116HS-I/L, channel 11), and `Candidates` as
 * the Dahua HTTP API names them (no capture with candidates is public, SOURCES.md): a face it knows, with the
 * specification's own example person, and one it does not (empty candidates, as a client tested on an NVR5216-EI
 * reads an unknown face).
 */
const recognised = (candidates: unknown[]): Record<string, unknown> => ({
  IsGlobalScene: true,
  Object: {
    ObjectID: 370,
    RelativeID: 370,
    ObjectType: 'HumanFace',
    Action: 'Appear',
    BoundingBox: [0, 0, 2320, 5368],
    Center: [2176, 2832],
    Emotion: 'Happy',
    Sex: 'Woman',
    Age: 67,
  },
  Candidates: candidates,
})
const faceSample: CameraEvent[] = [
  {
    code: 'FaceRecognition',
    action: 'Start',
    index: 10,
    data: recognised([{ Person: { UID: '1', GroupID: '1', Name: 'ZhangSan' }, Similarity: 80 }]),
  },
  { code: 'FaceRecognition', action: 'Start', index: 10, data: recognised([]) },
]

const call = { CallID: '20261124104117@838181@192.168.2.25' }

// Amcrest AD110/AD410: a press is `_DoTalkAction_` Invite with CallNoAnswered and PhoneCallDetect Starts in the
// same second (pa#137, amcrest2mqtt#6, [RI]); the call ends with `_DoTalkAction_` Hangup. Whether it was answered
// in the app is not on the stream in any capture we have: both end the same way.
const amcrestDoorbell: DoorProfile = {
  doors: 0,
  cgi: false,
  rpc2: { accessControl: false, videoTalk: false },
  sequences: {
    press: [
      { code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 1 } },
      {
        code: '_DoTalkAction_',
        action: 'Pulse',
        index: 0,
        data: { Action: 'Invite', ...call, CallSrcMask: '4' },
      },
      { code: 'PhoneCallDetect', action: 'Start', index: 0 },
      { code: 'CallNoAnswered', action: 'Start', index: 0, data: { CallID: '9' } },
    ],
    answered: [],
    missed: [],
    hungUp: [
      { code: 'CallNoAnswered', action: 'Stop', index: 0, data: { CallID: '9' } },
      { code: 'PhoneCallDetect', action: 'Stop', index: 0 },
      {
        code: '_DoTalkAction_',
        action: 'Pulse',
        index: 0,
        data: { Action: 'Hangup', ...call, CallSrcMask: 4, HangupReason: 'HangupByPhone' },
      },
    ],
    card: [],
    remote: [],
  },
}

// What a VTO sends when its door opens: by card (riogrande75/Dahua#2: AccessControl Method 1 with the card, then
// DoorCard) and from afar (DahuaVTO2MQTT#29: BackKeyLight State 8 and AccessControl Method 4); the contact
// follows (DoorStatus, [RI]).
const cardOpen: CameraEvent[] = [
  {
    code: 'AccessControl',
    action: 'Pulse',
    index: 0,
    data: { CardNo: '7A087D0F', Method: 1, Name: 'OpenDoor', ReaderID: '1', Status: 1, UserID: '9901' },
  },
  { code: 'DoorCard', action: 'Pulse', index: 0, data: { Number: '7a087d0f', Type: 0 } },
  { code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 8 } },
  { code: 'DoorStatus', action: 'Pulse', index: 0, data: { Status: 'Open' } },
]
const remoteOpen: CameraEvent[] = [
  { code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 8 } },
  {
    code: 'AccessControl',
    action: 'Pulse',
    index: 0,
    data: { CardNo: '', Method: 4, Name: 'OpenDoor', ReaderID: '1', Status: 1, UserID: '' },
  },
  { code: 'DoorStatus', action: 'Pulse', index: 0, data: { Status: 'Open' } },
]

// A VTO villa station: BackKeyLight says the call's state (1 ringing, 5 answered from a VTH, 6 not answered,
// 0 idle: [RREADME], [RI]), CallNoAnswered spans the ringing (dahua-protocol.md 4.4).
const villaStation: DoorProfile = {
  doors: 2,
  cgi: true,
  rpc2: { accessControl: true, videoTalk: true, endCall: true },
  sequences: {
    press: [
      { code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 1 } },
      { code: 'CallNoAnswered', action: 'Start', index: 0, data: { CallID: '3' } },
    ],
    answered: [
      { code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 5 } },
      { code: 'CallNoAnswered', action: 'Stop', index: 0, data: { CallID: '3' } },
    ],
    missed: [
      { code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 6 } },
      { code: 'CallNoAnswered', action: 'Stop', index: 0, data: { CallID: '3' } },
    ],
    hungUp: [{ code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 0 } }],
    card: cardOpen,
    remote: remoteOpen,
  },
}

// An apartment outdoor station (VTO2000A): a press is `CallNoAnswered` Start with the called apartment in the
// index, at the press despite its name (fixtures/devices/door/vto2000a-apartment-press.txt, panagiotuandrew/
// dahua-mqtt). Two locks: `LockNum` 2 is the number of locks (rr#175). Its Stop takes the same index; a missed
// call and a hang-up are `_CallNoAnswer_` and `HungupPhone` (the VTO variants Scrypted matches, [SC-api]): no
// capture shows either on this family. It has no accessControl.cgi (rr#465 answered 404): doors open over RPC2.
const apartmentCall = {
  CallID: '9',
  IsEncryptedStream: false,
  LockNum: 2,
  SupportPaas: false,
  TCPPort: 37777,
}
const apartmentStation: DoorProfile = {
  doors: 2,
  cgi: false,
  rpc2: { accessControl: true, videoTalk: true },
  sequences: {
    press: [{ code: 'CallNoAnswered', action: 'Start', index: 9902, data: apartmentCall }],
    answered: [
      { code: 'BackKeyLight', action: 'Pulse', index: 0, data: { State: 5 } },
      { code: 'CallNoAnswered', action: 'Stop', index: 9902, data: apartmentCall },
    ],
    missed: [
      { code: 'CallNoAnswered', action: 'Stop', index: 9902, data: apartmentCall },
      { code: '_CallNoAnswer_', action: 'Pulse', index: 0 },
    ],
    hungUp: [{ code: 'HungupPhone', action: 'Pulse', index: 0 }],
    card: cardOpen,
    remote: remoteOpen,
  },
}

const nvrTitles = [
  'Front Door',
  'Driveway',
  'Garden',
  'Garage',
  'Back Door',
  'Side Gate',
  'Street',
  'Hall',
  'Patio',
  'Pool',
  'Shed',
  'Carport',
  'Porch',
  'Office',
  'Stairs',
  'Roof',
]

export const PROFILES: Record<string, DeviceProfile> = {
  ipc: {
    name: 'ipc',
    description: 'a classic Dahua IPC (IPC-HDW5831R-ZE): digest, 3-space JSON',
    auth: 'digest',
    systemDeviceType: 'IPC-HDW5831R-ZE',
    model: 'IPC-HDW5831R-ZE',
    firmware: '2.800.0000016.0.R,build:2025-06-05',
    channels: 1,
    json: 'spaces',
    untrackedCodes: ['CrossLineDetection'],
    sample: ipcSample,
    // A 2018 camera with a physical relay: AlarmOut Mode 0 is on, 1 off (rr#676).
    controls: {
      legacyInfrared: true,
      motion: true,
      smart: true,
      ivsRules: ['Gate', 'Driveway'],
      recordMode: true,
      alarmOutputs: 1,
      alarmModes: 'reversed',
      reboot: true,
    },
  },
  'ipc-tabs': {
    name: 'ipc-tabs',
    description: 'an IPC (HFW2449TL-S-PRO) with tab-indented JSON and a Content-Length that stops at "}"',
    auth: 'digest',
    systemDeviceType: 'IPC-HFW2449TL-S-PRO',
    model: 'IPC-HFW2449TL-S-PRO',
    firmware: '2.860.0000000.14.R,build:2025-02-11',
    channels: 1,
    json: 'tabs',
    snapshotQuirk: 'bad-com-length',
    untrackedCodes: ['CrossLineDetection'],
    sample: ipcSample,
    // Dual light: the white light needs LightingScheme=WhiteMode too, and it is row 1 (rr#570, rr PR#656).
    controls: {
      lighting: { rows: ['InfraredLight', 'WhiteLight', 'AIMixLight'], scheme: true },
      profileInUse: 1,
      motion: true,
      smart: true,
      ivsRules: ['Line 1'],
      recordMode: true,
      reboot: true,
      absentTable: 'empty',
    },
  },
  ad410: {
    name: 'ad410',
    description: 'an Amcrest AD410 doorbell',
    auth: 'digest',
    systemDeviceType: 'AD410',
    model: 'AD410',
    firmware: '1.000.0000000.7.R,build:2024-03-15',
    channels: 1,
    json: 'spaces',
    untrackedCodes: ['CallNoAnswered', 'PhoneCallDetect'],
    sample: doorbellSample,
    controls: { motion: true, reboot: true, absentTable: 'error-body' },
    door: amcrestDoorbell,
  },
  nvr16: {
    name: 'nvr16',
    description: 'a 16-channel NVR (NVR5216-16P-EI): deviceType=31, every channel on one stream',
    auth: 'digest',
    systemDeviceType: '31',
    model: 'DHI-NVR5216-16P-EI',
    firmware: '4.001.0000000.3.R,build:2025-09-01',
    channels: 16,
    channelTitles: nvrTitles,
    // Models as recorders name them (fixtures nvr-n843a8-remotedevice-devicetype.txt, nvr5464-remotedevice-*.txt):
    // a class on some slots, a model on others; channels 14 and 16 empty and disabled.
    remoteDevices: Array.from({ length: 16 }, (_, i) =>
      i === 13 || i === 15
        ? { deviceType: '', enable: false }
        : { deviceType: ['IPC', 'E893DD', 'W462AQC', 'B451AJ', 'IP Camera'][i % 5] ?? 'IPC', enable: true },
    ),
    json: 'spaces',
    untrackedCodes: [],
    sample: nvrSample,
    controls: {
      coaxial: { siren: true, warningLight: true, recorder: true },
      motion: true,
      smart: true,
      recordMode: true,
      alarmOutputs: 2,
      alarmModes: 'standard',
      reboot: true,
    },
  },
  vto: {
    name: 'vto',
    description: 'a VTO2311R-WP door station: dhav trailer on snapshots',
    auth: 'digest',
    systemDeviceType: 'VTO2311R-WP',
    model: 'VTO2311R-WP',
    firmware: '4.500.0000000.5.R,build:2025-04-30',
    channels: 1,
    json: 'spaces',
    snapshotQuirk: 'dhav-trailer',
    untrackedCodes: ['CallNoAnswered'],
    sample: vtoSample,
    controls: { reboot: true, absentTable: 'error-body' },
    door: villaStation,
  },
  'vto-apartment': {
    name: 'vto-apartment',
    description:
      'an apartment door station (VTO2000A): the room called in the index (9902), two locks, no accessControl.cgi (RPC2 opens)',
    auth: 'digest',
    systemDeviceType: 'VTO2000A',
    model: 'VTO2000A',
    firmware: '4.600.0000000.2.R,build:2025-11-20',
    channels: 1,
    json: 'spaces',
    snapshotQuirk: 'dhav-trailer',
    untrackedCodes: ['CallNoAnswered'],
    sample: [...apartmentStation.sequences.press, ...apartmentStation.sequences.missed],
    controls: { reboot: true, absentTable: 'error-body' },
    door: apartmentStation,
  },
  deterrence: {
    name: 'deterrence',
    description: 'an active-deterrence IPC (IPC-HDW3849HP-AS-PV): siren, red/blue light, white light',
    auth: 'digest',
    systemDeviceType: 'IPC-HDW3849HP-AS-PV',
    model: 'IPC-HDW3849HP-AS-PV',
    firmware: '2.840.0000000.18.R,build:2025-08-20',
    channels: 1,
    json: 'spaces',
    untrackedCodes: ['CrossLineDetection'],
    sample: ipcSample,
    controls: {
      coaxial: { siren: true, warningLight: true },
      sirenStopsAfterMs: 10_000,
      lighting: { rows: ['WhiteLight'] },
      profileInUse: 2,
      motion: true,
      smart: true,
      ivsRules: ['Gate'],
      recordMode: true,
      alarmOutputs: 1,
      alarmModes: 'standard',
      reboot: true,
    },
  },
  ptz: {
    name: 'ptz',
    description: 'a PTZ dome (SD49225XA-HNR): presets and moves on channel=0',
    auth: 'digest',
    systemDeviceType: 'SD49225XA-HNR',
    model: 'SD49225XA-HNR',
    firmware: '2.820.0000000.6.R,build:2025-01-09',
    channels: 1,
    json: 'spaces',
    untrackedCodes: ['CrossLineDetection'],
    sample: ipcSample,
    controls: { ptz: { channelBase: 0, presetMax: 300 }, legacyInfrared: true, motion: true, reboot: true },
  },
  'pt-amcrest': {
    name: 'pt-amcrest',
    description: 'a pan-tilt Amcrest IP4M-1041B: PTZ on channel=1, privacy mode',
    auth: 'digest',
    systemDeviceType: 'IP4M-1041B',
    model: 'IP4M-1041B',
    firmware: '2.800.00AC006.0.R,build:2024-11-18',
    channels: 1,
    json: 'spaces',
    untrackedCodes: ['CrossLineDetection'],
    sample: ipcSample,
    // PT models that take channel=1 (rr#586); LeLensMask over CGI on IP4M-1041W (rr#379).
    controls: {
      ptz: { channelBase: 1, presetMax: 25 },
      privacy: true,
      legacyInfrared: true,
      motion: true,
      reboot: true,
    },
  },
  'basic-2015': {
    name: 'basic-2015',
    description: '2014-2015 firmware (IPC-HFW4300S) that knows only Basic login',
    auth: 'basic',
    systemDeviceType: 'IPC-HFW4300S',
    model: 'IPC-HFW4300S',
    firmware: '2.420.0000.0.R,build:2015-04-16',
    channels: 1,
    json: 'spaces',
    untrackedCodes: [],
    sample: ipcSample,
    controls: { legacyInfrared: true, motion: true, reboot: true },
  },
  'nvr-pv': {
    name: 'nvr-pv',
    description:
      'an 8-channel NVR5464 with PV cameras on 1-4 and 7 and a PT camera on 8: 1-based coaxial and PTZ, passing 400s, 403 to v1 Lighting',
    auth: 'digest',
    systemDeviceType: '31',
    model: 'DHI-NVR5464-16P-EI',
    firmware: '4.001.0000000.5.R,build:2025-03-27',
    channels: 8,
    channelTitles: nvrTitles.slice(0, 8),
    // PV cameras on 1-4 and 7, a PT camera on 8, nothing on 5 and 6 (the description above).
    remoteDevices: Array.from({ length: 8 }, (_, i) =>
      i === 4 || i === 5
        ? { deviceType: '', enable: false }
        : { deviceType: i === 7 ? 'DH-SD2A500NB-GNY-A-PV' : 'IPC-HDW3849HP-AS-PV', enable: true },
    ),
    json: 'spaces',
    untrackedCodes: [],
    sample: nvrSample,
    // Coaxial per channel as rr#555's owner measured on an NVR5464 (fixture nvr-coaxial-cgi-vs-rpc2-getstatus.txt):
    // CGI status on every channel but 6 and 7, RPC2 only where a camera has the outputs; PTZ on a recorder is
    // 1-based ([DB], rr#592) and its fixed cameras answer caps with Preset=false (rr#603); lights as its channel 11
    // (fixture nvr5464-ch11-lighting-rpc2.json) with v1 Lighting writes refused 403 (nvr5464-lighting-403.txt).
    controls: {
      coaxial: {
        siren: true,
        warningLight: true,
        recorder: true,
        fitted: [0, 1, 2, 3, 6],
        cgiDown: [5, 6],
        rpc2: true,
      },
      sirenStopsAfterMs: 10_000,
      ptz: { channelBase: 1, presetMax: 300, channels: [7] },
      lighting: { rows: ['InfraredLight', 'WhiteLight', 'AIMixLight'], scheme: true },
      legacyInfrared: true,
      profileInUse: 0,
      recorderWrites: true,
      remoteIvsRules: ['Tripwire', 'Intrusion'],
      motion: true,
      smart: true,
      recordMode: true,
      dayNight: 'color',
      alarmOutputs: 2,
      alarmModes: 'standard',
      reboot: true,
    },
  },
  'pv-camera': {
    name: 'pv-camera',
    description: 'a PV camera (IPC-HDW1849EMP-S-PV): coaxial CGI 501, siren and warning light over RPC2',
    auth: 'digest',
    systemDeviceType: 'IPC-HDW1849EMP-S-PV',
    model: 'IPC-HDW1849EMP-S-PV',
    firmware: '2.880.0000000.3.R,build:2025-10-11',
    channels: 1,
    json: 'spaces',
    untrackedCodes: ['CrossLineDetection'],
    sample: ipcSample,
    // rr#676 (fixtures ipc-hdw1849emp-pv-coaxial-501.txt, pv-rpc2-coaxial-getcaps-summary.txt).
    controls: {
      coaxial: { siren: true, warningLight: true, cgi: 501, rpc2: true },
      sirenStopsAfterMs: 10_000,
      motion: true,
      smart: true,
      recordMode: true,
      dayNight: 'color',
      disarm: 'unindexed',
      reboot: true,
      absentTable: 'error-body',
    },
  },
  'pt-2024': {
    name: 'pt-2024',
    description: 'a 2024+ PT camera (SD2A500NB-GNY-A-PV): PTZ commands on channel=1, 400 to channel=0',
    auth: 'digest',
    systemDeviceType: 'SD2A500NB-GNY-A-PV',
    model: 'SD2A500NB-GNY-A-PV',
    firmware: '2.820.0000016.0.R,build:2024-09-02',
    channels: 1,
    json: 'spaces',
    untrackedCodes: ['CrossLineDetection'],
    sample: ipcSample,
    // rr#586, rr#525 (fixtures pt-sd2a500nb-ptz-caps-channel1.txt, pt-sd2a500nb-ptz-gotopreset-channel0-400.txt).
    controls: { ptz: { channelBase: 1, presetMax: 300, capsAnyChannel: true }, motion: true, reboot: true },
  },
  'ipc-il': {
    name: 'ipc-il',
    description:
      'an IL dual-light camera (HFW3449E-S-IL): Config[0]=0 with ConfigEx=Day by day and night, infrared v1 and v2',
    auth: 'digest',
    systemDeviceType: 'IPC-HFW3449E-S-IL',
    model: 'IPC-HFW3449E-S-IL',
    firmware: '2.840.0000000.12.R,build:2025-05-14',
    channels: 1,
    json: 'spaces',
    untrackedCodes: ['CrossLineDetection'],
    sample: ipcSample,
    // rr#647, rr#582 (fixture ipc-videoinmode-configex.txt); its PTZ answer is 400 on both numberings (rr#525,
    // fixture ipc-hfw3449e-il-ptz-gotopreset-channel1-400.txt), so it has no ptz here.
    controls: {
      lighting: { rows: ['InfraredLight', 'WhiteLight'], scheme: true },
      legacyInfrared: true,
      configEx: true,
      motion: true,
      smart: true,
      dayNight: 'color',
      disarm: 'indexed',
      reboot: true,
    },
  },
  anpr: {
    name: 'anpr',
    description: 'a traffic (ITC) camera reading number plates, with a relay for a barrier',
    auth: 'digest',
    // The captures name their cameras by their own names (V1FC049A, 8M049B2PAJF3085), not a model: ITC is the
    // family every Dahua traffic camera's model begins with.
    systemDeviceType: 'ITC',
    model: 'ITC',
    // No capture names a firmware: a version of the family's form, dated as the YutthapoomSa capture.
    firmware: '2.800.0000000.0.R,build:2024-01-30',
    channels: 1,
    json: 'spaces',
    untrackedCodes: ['TrafficParking'],
    sample: anprSample,
    demo: 'sample',
    controls: { alarmOutputs: 1, alarmModes: 'standard', reboot: true },
  },
  'face-nvr': {
    name: 'face-nvr',
    description: 'a 16-channel NVR with face recognition (NVR2116HS-I/L)',
    auth: 'digest',
    systemDeviceType: '31',
    model: 'DHI-NVR2116HS-I/L',
    // rr#573 names no firmware: this is the NVR5216-EI's that recognised faces for HA_dahua2mqtt (SOURCES.md).
    firmware: '4.003.0000000.0.R,build:2023-12-29',
    channels: 16,
    json: 'spaces',
    untrackedCodes: ['FaceRecognition'],
    sample: faceSample,
    demo: 'sample',
    controls: { motion: true, reboot: true },
  },
}

export function profileNamed(name: string): DeviceProfile {
  const profile = PROFILES[name]
  if (!profile) {
    throw new Error(`no device profile "${name}"; there are: ${Object.keys(PROFILES).join(', ')}`)
  }
  return profile
}
