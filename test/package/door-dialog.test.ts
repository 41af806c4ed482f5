// The door node's dialog as Node-RED's editor runs it (issue 18 §3, §5): its tips render their markup, and the
// "Allow opening the door" opt-in keeps what the runtime reads, whatever text a flow file or `${VAR}` gave it.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createContext, runInContext } from 'node:vm'

const root = join(__dirname, '..', '..', '..')
const html = readFileSync(join(root, 'nodes', 'dahua-door.html'), 'utf8')
const template = /data-template-name="dahua-door">([\s\S]*?)<\/script>/.exec(html)![1]!
const english = (
  JSON.parse(readFileSync(join(root, 'nodes', 'locales', 'en-US', 'dahua-door.json'), 'utf8')) as {
    'dahua-door': { label: Record<string, string> }
  }
)['dahua-door'].label

interface DoorDefinition {
  defaults: Record<string, unknown>
  oneditprepare?: (this: Record<string, unknown>) => void
  oneditsave?: (this: Record<string, unknown>) => void
}

interface Element {
  length: number
  attr(name: string): string | undefined
  prop(name: string, value?: unknown): unknown
  toggle(on: boolean): Element
}

/**
 * The dialog: its definition run against a stand-in for jQuery over the template (the elements by id, each
 * checkbox's state as the DOM keeps it, a boolean, and which parts are shown).
 */
function dialog(): {
  definition: DoorDefinition
  $: (selector: string) => Element
  shown: Map<string, boolean>
} {
  const checked = new Map<string, boolean>()
  const shown = new Map<string, boolean>()
  const $ = (selector: string): Element => {
    const id = selector.replace(/^#/, '')
    const found = new RegExp(`id="${id}"`).test(template)
    const checkbox = new RegExp(`type="checkbox" id="${id}"`).test(template)
    const element: Element = {
      length: found ? 1 : 0,
      attr: (name) => (checkbox && name === 'type' ? 'checkbox' : undefined),
      prop(name, ...value) {
        if (name !== 'checked' || !checkbox) return undefined
        if (value.length === 0) return checked.get(id) ?? false
        checked.set(id, Boolean(value[0])) // any non-empty text ticks a checkbox, "false" too
        return element
      },
      toggle(on) {
        if (found) shown.set(id, on)
        return element
      },
    }
    return element
  }
  let definition: DoorDefinition | undefined
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1]!
  // As the editor loads it: the shared rules first (resources/rules.js); the channel list asks a deployed camera
  // over HTTP, which the browser test (test/e2e) covers, so here it only has to be there.
  const context = createContext({
    RED: { nodes: { registerType: (_t: string, def: DoorDefinition) => (definition = def) } },
    $,
    window: {},
    DahuaDialogs: { channelList: () => undefined },
  })
  runInContext(readFileSync(join(root, 'resources', 'rules.js'), 'utf8'), context)
  runInContext(`var DahuaRules = window.DahuaRules;\n${script}`, context)
  return { definition: definition!, $, shown }
}

/**
 * Opens the dialog on `node`, lets `user` act, and clicks Done, as Node-RED 4's editor does (editor-client red.js
 * `preparePropertyEditor` and the properties pane's `apply`): a default with a checkbox `#node-input-<name>` is
 * shown with `prop('checked', node[name])` before `oneditprepare`; on Done, `oneditsave` runs and the checkbox is
 * read back with `prop('checked')`. Returns what the node then has.
 */
function edit(node: Record<string, unknown>, user?: ($: (selector: string) => Element) => void): unknown {
  const { definition, $ } = dialog()
  const boxes = Object.keys(definition.defaults).filter(
    (name) => $(`#node-input-${name}`).attr('type') === 'checkbox',
  )
  for (const name of boxes) $(`#node-input-${name}`).prop('checked', node[name])
  definition.oneditprepare?.call(node)
  user?.($)
  definition.oneditsave?.call(node)
  for (const name of boxes) node[name] = $(`#node-input-${name}`).prop('checked')
  return node.allowOpen
}

/** What a user does: sets the opt-in's box, whatever its id. */
function setBox(on: boolean): ($: (selector: string) => Element) => void {
  return ($) => {
    for (const id of ['node-input-allowOpen', 'node-input-allowOpen-box']) $(`#${id}`).prop('checked', on)
  }
}

describe('the door dialog in the editor', () => {
  it('renders the markup of its tips: every catalog text with a tag is asked for as [html]', () => {
    const asked = [...template.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]!)
    for (const attribute of asked) {
      const key = attribute.replace(/^\[[a-z]+\]/, '').replace(/^dahua-door\.label\./, '')
      if (/<[a-z]/.test(english[key] ?? '')) {
        assert.match(attribute, /^\[html\]/, `${attribute} would show its tags as text`)
      }
    }
    assert.ok(asked.some((a) => a.endsWith('allowOpen-tip')))
  })

  for (const text of ['false', '0', 'no', '${DOOR_OPEN}']) {
    it(`opened and closed with Done, "Allow opening the door" set to ${JSON.stringify(text)} in the flow file stays what it was`, () => {
      const after = edit({ allowOpen: text })
      assert.notEqual(after, true, 'Done turned it into a real true')
      assert.equal(after, text)
    })
  }

  it('shows the box as the runtime reads it, says when the setting is text, and saves what the user ticks', () => {
    const { definition, $, shown } = dialog()
    definition.oneditprepare!.call({ allowOpen: '${DOOR_OPEN}' })
    assert.equal($('#node-input-allowOpen-box').prop('checked'), false, 'not ticked')
    assert.equal(shown.get('dahua-door-allowOpen-text'), true)
    assert.equal(edit({ allowOpen: 'true' }), 'true')
    assert.equal(edit({ allowOpen: true }), true)
    assert.equal(edit({ allowOpen: false }), false)
    assert.equal(edit({ allowOpen: '${DOOR_OPEN}' }, setBox(true)), true)
    assert.equal(edit({ allowOpen: true }, setBox(false)), false)
    assert.equal(edit({ allowOpen: false }, setBox(true)), true)
  })
})
