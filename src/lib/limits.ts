// SPDX-License-Identifier: Apache-2.0
// Every number a camera controls, bounded: a broken, compromised or impersonated camera costs its own events,
// never Node-RED's memory, CPU or other flows. One file, so that the README's "Limits" table and the code
// cannot drift apart. Each bound is far above what any real device sends, and each one hit is logged.

/**
 * A boundary marker or part header line: `--myboundary` and `Content-Length: 123` are under 40 bytes. A longer
 * one is not a line of the protocol; without this bound a marker that never ends is buffered for ever.
 */
export const MAX_LINE_BYTES = 1024

/** One part of the attach stream. IVS events with object lists are a few KB; a snapshot would not be here. */
export const MAX_PART_BYTES = 1024 * 1024

/**
 * Nesting of an event's `data` JSON. Dahua's deepest (IVS objects with bounding boxes) is about 5; JSON.parse,
 * JSON.stringify, structuredClone and Node-RED's message cloning all recurse, and a few thousand levels (10 KB
 * of `[`) overflow the stack.
 */
export const MAX_DATA_DEPTH = 32

/** Code and action length: the longest Dahua code seen is about 30 characters (`CrossRegionDetection`...). */
export const MAX_CODE_CHARS = 64
export const MAX_ACTION_CHARS = 32

/**
 * `index`: a 0-based channel, alarm input or disk. The largest recorders have 256 channels (IVSS); a
 * 400-digit index would become channel `Infinity`.
 */
export const MAX_INDEX = 1023

/**
 * `index` of a door or call code (door-events.ts `DOOR_CODES`): an apartment station puts the called room there
 * (`CallNoAnswered;action=Start;index=9902`, VTO2000A, panagiotuandrew/dahua-mqtt), so a video channel's bound
 * would drop the press. Still bounded: 8 digits is far above any room seen (101, 9901, 9902; rr#175, camonitor).
 */
export const MAX_DOOR_INDEX = 99_999_999

/**
 * Distinct codes one camera may have in play (tracked for reconciliation, offered in the editor, asked about).
 * Dahua documents about a hundred codes in all, and a device sends a few dozen; events of further new codes
 * are dropped, so a flood of made-up codes cannot grow the ledger, the editor's list or the question queue.
 */
export const MAX_CODES = 128

/**
 * Answers to state calls (`getEventIndexes`, `magicBox.cgi`, `configManager.cgi`): a 256-channel recorder's
 * longest is about 5 KB. The request is aborted the moment an answer passes this.
 */
export const MAX_STATE_ANSWER_BYTES = 16 * 1024

/**
 * A snapshot (settings.js `dahuaCamera.maxSnapshotBytes`, within the range below): a 4K camera's JPEG is 1-2 MB.
 */
export const DEFAULT_SNAPSHOT_BYTES = 5 * 1024 * 1024
export const SNAPSHOT_BYTES_RANGE: readonly [number, number] = [64 * 1024, 64 * 1024 * 1024]

/**
 * Pictures being fetched for different channels at once. A recorder with motion on every channel asks for one
 * each; ever new channels must not queue requests without end behind the camera's two CGI slots.
 */
export const MAX_PENDING_SNAPSHOTS = 32

/**
 * Configuration tables read to control a device (`VideoAnalyseRule`, `Lighting_V2`): a recorder's whole table
 * for all its channels runs to tens of KB.
 */
export const MAX_CONFIG_ANSWER_BYTES = 256 * 1024

/** Control messages waiting for one camera: beyond, a message fails at once (a flood is coalesced anyway). */
export const MAX_CONTROL_WAITING = 1000

/**
 * Settings of one camera being changed at once; the others wait their turn. A device answers two calls at a time,
 * and each setting may read tables of up to MAX_CONFIG_ANSWER_BYTES (about ten times that once parsed): a
 * thousand at once ended Node-RED (security-2026-12.md 1). Four keep both call slots busy.
 */
export const MAX_CONTROL_SETTINGS = 4

/**
 * One setting (a siren, a light) is sent at most this often; what a flow sends meanwhile waits, and only the
 * newest is sent. A flow toggling a siren every 10 ms made one write per message (security-2026-12.md 5).
 */
export const MIN_SETTING_GAP_MS = 250

/**
 * A device is told to reboot at most once in this time; a later reboot is refused, not queued. A flow sending
 * reboot every 10 ms made 2,775 reboot requests in 30 s: a camera rebooted every time it came back.
 */
export const REBOOT_EVERY_MS = 5 * 60_000

/** Channels whose capabilities are probed (a request or two each): the largest recorders have 256. */
export const MAX_CAPABILITY_CHANNELS = 256

/**
 * A stalled stream's events waiting to be sorted into late ones and copies (late.ts), and the new stream's events
 * they are compared with: at most this many each, and this many bytes of the stalled stream's (its events are kept
 * whole until they go out). A camera that floods costs its own late events, never Node-RED's memory.
 */
export const MAX_LATE_EVENTS = 1000
export const MAX_LATE_BYTES = 8 * 1024 * 1024

/** The size limit for a snapshot from settings.js: a number in range, else the default. */
export function snapshotBytes(setting: unknown): number {
  const bytes = Number(setting)
  const [least, most] = SNAPSHOT_BYTES_RANGE
  return Number.isFinite(bytes) && setting !== undefined && setting !== ''
    ? Math.min(most, Math.max(least, Math.round(bytes)))
    : DEFAULT_SNAPSHOT_BYTES
}
