// SPDX-License-Identifier: Apache-2.0
// What a detection event saw, in one shape for every code and firmware: the object, the rule, where in the
// frame, and a plate or a face. Each firmware says it in its own words (test/fixtures/events/SOURCES.md has the
// captures and the field map); this file is the one place that knows them. Pure and total: it reads the parsed
// `data`, never throws, and leaves out what it does not recognise (the raw data stays in `payload.data`).

import { MAX_NAME_CHARS, type OBJECT_KINDS } from '../rules'
import { printable } from '../text'
import type { CameraEvent } from '../types'

export type ObjectKind = (typeof OBJECT_KINDS)[number]

export interface Plate {
  text: string
  country?: string
  /** As the device gives it (0-100 on every capture). */
  confidence?: number
  colour?: string
  vehicle?: { type?: string; colour?: string; make?: string }
  /** Set by an event node with a list of known plates. */
  known?: boolean
}

export interface Face {
  name?: string
  id?: string
  /** 0-100: how sure the device is that this is that person. */
  similarity?: number
  group?: string
  /** Set by an event node with a list of known faces. */
  known?: boolean
}

export interface Detection {
  object: ObjectKind
  /** The firmware's own word for the object (`Human`, `NonMotor`...), as sent. */
  objectType?: string
  rule?: { name?: string; id?: number }
  /** Where in the frame, 0-1 from the top left (the device's 0-8191 grid divided by 8192). */
  box?: { left: number; top: number; right: number; bottom: number }
  objectId?: number
  plate?: Plate
  face?: Face
}

// The firmware's words for the object, lower-case: `Human`, `Unknown`, `Smoke`, `Plate`, `NonMotor`, `HumanFace` and
// `Vehicle` are in captures (SOURCES.md "Field map"); the other kinds are their own word. Any other word is
// `unknown`, with the word itself in `objectType`: never guessed.
const WORDS = new Map<string, ObjectKind>([
  ['human', 'human'],
  ['vehicle', 'vehicle'],
  ['nonmotor', 'non-motor'],
  ['animal', 'animal'],
  ['fire', 'fire'],
  ['smoke', 'smoke'],
  ['plate', 'plate'],
  ['face', 'face'],
  ['humanface', 'face'],
  ['unknown', 'unknown'],
])

// Codes that say the object by their name, with data that does not (SmartMotionHuman's `object[]` has no type).
const CODE_OBJECT = new Map<string, ObjectKind>([
  ['smartmotionhuman', 'human'],
  ['smartmotionvehicle', 'vehicle'],
  ['facedetection', 'face'],
  ['facerecognition', 'face'],
  ['_doorface_', 'face'],
])

const GRID = 8192

type Fields = Record<string, unknown>

/** The detection an event carries, or undefined when it carries none. */
export function detectionOf(event: CameraEvent): Detection | undefined {
  return read(event.code, event.data)
}

function read(code: string, data: unknown): Detection | undefined {
  if (!isFields(data)) {
    return undefined
  }
  // The object: IVS `Object`, HumanTrait `Objects[0]`, smart motion `object[0]` (dahua-protocol.md 4.1, 4.2).
  const object = fieldsOf(field(data, 'Object')) ?? fieldsOf(first(field(data, 'Objects')))
  const type = text(object && field(object, 'ObjectType'))
  const byCode = CODE_OBJECT.get(code.toLowerCase())
  const plate = plateOf(data, object, type)
  const face = faceOf(code, data)
  const ruleId = integer(field(data, 'RuleID', 'CfgRuleId'))
  const ruleName = text(field(data, 'Name'))
  // `Name` alone is not a rule: newer motion events carry the device's name there (`Name:"IPC"`, rr#603).
  const rule =
    ruleName !== undefined && (ruleId !== undefined || object !== undefined)
      ? { name: ruleName, ...(ruleId === undefined ? {} : { id: ruleId }) }
      : undefined
  if (!object && !byCode && !plate && !face && !rule) {
    return undefined
  }
  const kind: ObjectKind =
    type !== undefined
      ? (WORDS.get(type.toLowerCase()) ?? 'unknown')
      : (byCode ?? (plate ? 'plate' : 'unknown'))
  const detection: Detection = { object: kind }
  if (type !== undefined) {
    detection.objectType = type
  }
  if (rule) {
    detection.rule = rule
  }
  // Smart motion's `object[].Rect` is left out of `box`: its grid differs between firmwares (values past 1023 on
  // one, read as 0-1023 by an Intelbras client), so where it would be is a guess; it stays in `data`.
  const box = boxOf(object && field(object, 'BoundingBox'))
  if (box) {
    detection.box = box
  }
  const tracked = object ?? fieldsOf(first(field(data, 'object')))
  const id = integer(tracked && field(tracked, 'ObjectID', 'HumamID', 'HumanID', 'VehicleID'))
  if (id !== undefined) {
    detection.objectId = id
  }
  if (plate) {
    detection.plate = plate
  }
  if (face) {
    detection.face = face
  }
  return detection
}

/**
 * Where captures put a plate (SOURCES.md): `Object.Text` when the object is a plate, `TrafficCar.PlateNumber`, or a
 * non-motor vehicle's `NonMotor.Plate.Text`. An empty text is no plate read (an ITC's `Text: ""`).
 */
function plateOf(data: Fields, object: Fields | undefined, type: string | undefined): Plate | undefined {
  const car = fieldsOf(field(data, 'TrafficCar'))
  const vehicle = fieldsOf(field(data, 'Vehicle'))
  const nonMotor = fieldsOf(field(data, 'NonMotor'))
  const plateObject = type?.toLowerCase() === 'plate' ? object : undefined
  const nonMotorPlate = nonMotor && fieldsOf(field(nonMotor, 'Plate'))
  const plateText =
    text(plateObject && field(plateObject, 'Text')) ??
    text(car && field(car, 'PlateNumber')) ??
    text(nonMotorPlate && field(nonMotorPlate, 'Text'))
  if (plateText === undefined) {
    return undefined
  }
  const plate: Plate = { text: plateText }
  const commInfo = fieldsOf(field(data, 'CommInfo'))
  set(
    plate,
    'country',
    text(plateObject && field(plateObject, 'Country')) ?? text(commInfo && field(commInfo, 'Country')),
  )
  // 0 on every capture, plates read or not: a device that does not fill it in, not a plate it doubts.
  const confidence = percent(plateObject && field(plateObject, 'Confidence'))
  set(plate, 'confidence', confidence === 0 ? undefined : confidence)
  set(
    plate,
    'colour',
    text(car && field(car, 'PlateColor')) ?? text(nonMotorPlate && field(nonMotorPlate, 'PlateColor')),
  )
  const about: NonNullable<Plate['vehicle']> = {}
  // `MainColor` is four numbers, not a colour's name: left in `data`.
  set(
    about,
    'type',
    text(vehicle && field(vehicle, 'Category')) ?? text(nonMotor && field(nonMotor, 'Category')),
  )
  set(about, 'colour', text(car && field(car, 'VehicleColor')) ?? text(nonMotor && field(nonMotor, 'Color')))
  set(about, 'make', text(car && field(car, 'VehicleSign')))
  if (Object.keys(about).length > 0) {
    plate.vehicle = about
  }
  return plate
}

/**
 * A recognised face: `Candidates[0]` of a FaceRecognition (its `Person.Name`, `UID` or `ID`, `GroupID`, and
 * `Similarity`: Dahua HTTP API V3.98 9.2.16, read so by a client tested on an NVR5216-EI, SOURCES.md), or a door
 * terminal's `_DoorFace_` with its own `UserID` and `Similarity` (rr#296). No capture of a whole FaceRecognition
 * with candidates is public: these names are the specification's.
 */
function faceOf(code: string, data: Fields): Face | undefined {
  const candidate = fieldsOf(first(field(data, 'Candidates')))
  const face: Face = {}
  if (candidate) {
    const person = fieldsOf(field(candidate, 'Person'))
    set(face, 'name', text(person && field(person, 'Name')))
    set(face, 'id', text(person && field(person, 'UID', 'ID')))
    set(face, 'similarity', percent(field(candidate, 'Similarity')))
    set(face, 'group', text(person && field(person, 'GroupID')))
  } else if (code.toLowerCase() === '_doorface_') {
    // Only a door terminal's face event: `UserID` is on every AccessControl too, a card's or a code's.
    set(face, 'id', text(field(data, 'UserID')))
    set(face, 'similarity', percent(field(data, 'Similarity')))
  }
  return Object.keys(face).length > 0 ? face : undefined
}

/** `[x1, y1, x2, y2]` on the 0-8191 grid (dahua-protocol.md 4.2), as 0-1; anything else is left out. */
function boxOf(value: unknown): Detection['box'] {
  if (!Array.isArray(value) || value.length !== 4 || !value.every((v) => typeof v === 'number')) {
    return undefined
  }
  const [left, top, right, bottom] = value as [number, number, number, number]
  // An ITC sends `[0, 0, 0, 0]` for a plate it did not place: a box of no area locates nothing.
  if (left < 0 || top < 0 || right > GRID || bottom > GRID || right <= left || bottom <= top) {
    return undefined
  }
  const share = (v: number): number => Math.round((v / GRID) * 10_000) / 10_000
  return { left: share(left), top: share(top), right: share(right), bottom: share(bottom) }
}

/** The value of the first of `names` the object has, whatever its case (`RuleId`/`RuleID`, `trafficCar`). */
function field(object: Fields, ...names: string[]): unknown {
  for (const name of names) {
    if (Object.hasOwn(object, name)) {
      return object[name]
    }
  }
  for (const name of names) {
    const lower = name.toLowerCase()
    let scanned = 0
    for (const key in object) {
      // A camera's object of a hundred thousand keys would cost a pass each; real ones have a few dozen.
      if (++scanned > MAX_SCANNED_KEYS) {
        break
      }
      if (key.length === name.length && key.toLowerCase() === lower) {
        return object[key]
      }
    }
  }
  return undefined
}

/** Keys looked at for a field in another case: the largest object captured (an ITC's event) has about 50. */
const MAX_SCANNED_KEYS = 256

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fieldsOf(value: unknown): Fields | undefined {
  return isFields(value) ? value : undefined
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : undefined
}

/** A camera's text, printable and bounded; numbers (a plate of digits, a user id) as their text. */
function text(value: unknown): string | undefined {
  const raw = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
  if (typeof raw !== 'string') {
    return undefined
  }
  // Cut before cleaning: a camera's megabyte-long name must not cost a megabyte of work per event.
  const clean = printable(raw.slice(0, MAX_NAME_CHARS * 4))
    .slice(0, MAX_NAME_CHARS)
    .trim()
  return clean === '' ? undefined : clean
}

function integer(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

function percent(value: unknown): number | undefined {
  return typeof value === 'number' && value >= 0 && value <= 100 ? value : undefined
}

function set<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) {
    target[key] = value
  }
}
