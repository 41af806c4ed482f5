import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { badgeFor } from '../../src/lib/badge'

const root = join(__dirname, '..', '..', '..')
const locales = join(root, 'nodes', 'locales')
const LANGUAGES = ['de', 'en-US', 'es-ES', 'fr', 'ja', 'zh-CN']
const TYPES = ['dahua-camera', 'dahua-event-in', 'dahua-control', 'dahua-door']

function flatten(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (typeof child === 'object' && child !== null) {
      flatten(child, `${prefix}${key}.`).forEach((v, k) => out.set(k, v))
    } else {
      out.set(`${prefix}${key}`, String(child))
    }
  }
  return out
}

interface NodeRedI18n {
  init(settings: { lang?: string }): void
  registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>
  i: {
    loadLanguages(lang: string): Promise<void>
    getFixedT(lang: string, namespace: string): (key: string, params?: Record<string, string>) => string
  }
}

const catalog = (lang: string, type: string): Map<string, string> =>
  flatten(JSON.parse(readFileSync(join(locales, lang, `${type}.json`), 'utf8')))
const placeholders = (text: string): string[] => [...text.matchAll(/__\w+__/g)].map((m) => m[0]).sort()

describe('six languages', () => {
  it('has exactly en-US, de, es-ES, fr, ja and zh-CN', () => {
    assert.deepEqual(readdirSync(locales).sort(), LANGUAGES)
  })

  for (const lang of LANGUAGES.filter((l) => l !== 'en-US')) {
    it(`${lang}: every key of en-US, no other, with the same placeholders; help for both nodes`, () => {
      for (const type of TYPES) {
        const english = catalog('en-US', type)
        const translated = catalog(lang, type)
        assert.deepEqual(
          [...translated.keys()].sort(),
          [...english.keys()].sort(),
          `${lang}/${type}.json keys`,
        )
        for (const [key, text] of english) {
          assert.deepEqual(placeholders(translated.get(key)!), placeholders(text), `${lang} ${key}`)
          assert.ok(translated.get(key)!.trim().length > 0, `${lang} ${key} is empty`)
        }
        const help = readFileSync(join(locales, lang, `${type}.html`), 'utf8')
        const englishHelp = readFileSync(join(locales, 'en-US', `${type}.html`), 'utf8')
        assert.match(help, new RegExp(`data-help-name="${type}"`))
        const terms = (html: string): number => (html.match(/<dt/g) ?? []).length
        assert.equal(terms(help), terms(englishHelp), `${lang}/${type}.html documents the same properties`)
      }
    })
  }

  it("renders every key in every language through Node-RED's own i18n, every placeholder filled", async () => {
    // @node-red/util is what the runtime translates with; the test helper's RED._ returns keys as they are.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { i18n } = require('@node-red/util') as { i18n: NodeRedI18n }
    i18n.init({ lang: 'en-US' })
    for (const type of TYPES) {
      await i18n.registerMessageCatalog(`test-${type}`, locales, `${type}.json`)
    }
    for (const lang of LANGUAGES) {
      await i18n.i.loadLanguages(lang)
      for (const type of TYPES) {
        const t = i18n.i.getFixedT(lang, `test-${type}`)
        for (const [key, english] of catalog('en-US', type)) {
          const params = Object.fromEntries(placeholders(english).map((p) => [p.slice(2, -2), 'VALUE']))
          const text = t(key, params)
          assert.notEqual(text, key, `${lang} ${key} did not resolve`)
          assert.doesNotMatch(text, /__\w+__/, `${lang} ${key} left a placeholder: ${text}`)
          if (Object.keys(params).length > 0) {
            assert.match(text, /VALUE/, `${lang} ${key}`)
          }
        }
      }
    }
  })

  it('lets no visible text of the editor templates bypass the catalog', () => {
    for (const type of TYPES) {
      const html = readFileSync(join(root, 'nodes', `${type}.html`), 'utf8')
      const template = new RegExp(`data-template-name="${type}">([\\s\\S]*?)</script>`).exec(html)?.[1] ?? ''
      assert.ok(template.length > 100)
      const bare = template
        .replace(/<option[^>]*>(https?)<\/option>/g, '') // protocol names, not words
        .replace(/<[^>]+>/g, ' ')
        .replace(/&nbsp;/g, ' ')
        .trim()
      assert.equal(bare, '', `${type}.html shows text outside the catalog: ${bare}`)
      const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? ''
      assert.doesNotMatch(script, /\.text\(\s*['"][A-Za-z]/, `${type}.html sets a literal text`)
      assert.doesNotMatch(
        script,
        /(paletteLabel|return[^;\n]*\|\|)\s*:?\s*['"][A-Za-z]/,
        `${type}.html has a literal label`,
      )
    }
  })

  it('lets no log line, error or badge of the runtime bypass the catalog', () => {
    for (const type of TYPES) {
      const source = readFileSync(join(root, 'src', `${type}.ts`), 'utf8')
      const lines = source.split('\n')
      for (const [line, text] of lines.entries()) {
        if (/this\.(warn|error|log|debug)\(|new Error\(|text: /.test(text)) {
          // A call may wrap: its text is on this line or the next.
          const call = `${text} ${lines[line + 1] ?? ''}`
          // A badge may also be a catalog key as it is: the editor translates it (badge.ts).
          assert.match(
            call,
            // sentence(): the control node words a failure through RED._ there.
            /RED\._\(|this\.problem\)|camera\?\.problem|text: ['`]dahua-(event-in|control|door)\.status\.[a-z-]+|sentence\(/,
            `src/${type}.ts:${line + 1} ${text.trim()}`,
          )
        }
      }
    }
  })

  it('sends every badge without parameters as a key the editor can translate', () => {
    const t = (key: string): string => `translated ${key}`
    const fixed = [
      badgeFor({ state: 'connecting' }, undefined, t),
      badgeFor({ state: 'connected' }, undefined, t),
      badgeFor({ state: 'auth-failed', reason: { kind: 'basic', detail: 'not-allowed' } }, undefined, t),
      badgeFor({ state: 'auth-failed', reason: { kind: 'basic', detail: 'downgrade' } }, undefined, t),
    ]
    const english = flatten(JSON.parse(readFileSync(join(locales, 'en-US', 'dahua-event-in.json'), 'utf8')))
    for (const badge of fixed) {
      assert.ok(english.has(String(badge.text)), `${badge.text} is a key of the event node's catalog`)
    }
  })
})
