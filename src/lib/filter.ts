// SPDX-License-Identifier: Apache-2.0
// An event node's filter: which codes, channels and actions it passes. The camera's one stream carries
// everything (`codes=[All]`); each node filters locally, which is what lets every node share that stream.

import type { CameraEvent } from './types'

export interface FilterSettings {
  /** Comma-separated event codes; empty passes all. Case does not matter. */
  codes?: string
  /** Comma-separated 1-based channels or ranges (`1,3-4`); empty passes all. */
  channels?: string
  /** Comma-separated of Start, Stop, Pulse, State; empty passes all. */
  actions?: string
}

export interface EventFilter {
  codes?: Set<string>
  channels?: Set<number>
  actions?: Set<string>
}

const MAX_CHANNEL = 1024

/** Why a filter setting is refused: which list and the entry, for a catalog text. */
export interface FilterError {
  list: 'codes' | 'channels' | 'actions'
  item: string
}

/** The filter, or why the settings are not one. A bad entry is an error, never silently "all". */
export function parseFilter(settings: FilterSettings): { filter: EventFilter } | { error: FilterError } {
  const filter: EventFilter = {}
  const codes = list(settings.codes)
  if (codes.length > 0) {
    const bad = codes.find((code) => !/^[A-Za-z0-9_]+$/.test(code))
    if (bad !== undefined) {
      return { error: { list: 'codes', item: bad } }
    }
    filter.codes = new Set(codes.map((code) => code.toLowerCase()))
  }
  const channels = list(settings.channels)
  if (channels.length > 0) {
    filter.channels = new Set()
    for (const item of channels) {
      const range = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(item)
      const from = Number(range?.[1])
      const to = Number(range?.[2] ?? range?.[1])
      if (!range || from < 1 || to < from || to > MAX_CHANNEL) {
        return { error: { list: 'channels', item } }
      }
      for (let channel = from; channel <= to; channel++) {
        filter.channels.add(channel)
      }
    }
  }
  const actions = list(settings.actions)
  if (actions.length > 0) {
    const bad = actions.find((action) => !/^(start|stop|pulse|state)$/i.test(action))
    if (bad !== undefined) {
      return { error: { list: 'actions', item: bad } }
    }
    filter.actions = new Set(actions.map((action) => action.toLowerCase()))
  }
  return { filter }
}

export function matches(filter: EventFilter, event: CameraEvent): boolean {
  return (
    (!filter.codes || filter.codes.has(event.code.toLowerCase())) &&
    (!filter.channels || filter.channels.has(event.index + 1)) &&
    (!filter.actions || filter.actions.has(event.action.toLowerCase()))
  )
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
}
