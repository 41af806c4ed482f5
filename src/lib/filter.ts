// SPDX-License-Identifier: Apache-2.0
// An event node's filter: which codes, channels and actions it passes. The camera's one stream carries
// everything (`codes=[All]`); each node filters locally, which is what lets every node share that stream.

import { channelRange, filterProblem, listItems } from './rules'
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

/** Why a filter setting is refused: which list and the entry, for a catalog text. */
export interface FilterError {
  list: 'codes' | 'channels' | 'actions'
  item: string
}

/**
 * The filter, or why the settings are not one. A bad entry is an error, never silently "all". What an entry may
 * be is rules.ts's, which the editor's validators share.
 */
export function parseFilter(settings: FilterSettings): { filter: EventFilter } | { error: FilterError } {
  for (const list of ['codes', 'channels', 'actions'] as const) {
    const problem = filterProblem(list, settings[list])
    if (problem) {
      return { error: { list, item: problem.params?.item ?? '' } }
    }
  }
  const filter: EventFilter = {}
  const codes = listItems(settings.codes)
  if (codes.length > 0) {
    filter.codes = new Set(codes.map((code) => code.toLowerCase()))
  }
  const channels = listItems(settings.channels)
  if (channels.length > 0) {
    filter.channels = new Set()
    for (const item of channels) {
      const [from, to] = channelRange(item) ?? [1, 0]
      for (let channel = from; channel <= to; channel++) {
        filter.channels.add(channel)
      }
    }
  }
  const actions = listItems(settings.actions)
  if (actions.length > 0) {
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
