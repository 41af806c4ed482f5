// Deletes what the build generates in nodes/ (compiled JS, maps, lib/, sim/, icons/) and resources/, and never the
// committed editor HTML or locales.
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const nodes = new URL('../nodes/', import.meta.url).pathname
for (const dir of ['lib', 'sim', 'icons']) {
  rmSync(join(nodes, dir), { recursive: true, force: true })
}
rmSync(new URL('../resources/', import.meta.url), { recursive: true, force: true })
for (const file of readdirSync(nodes)) {
  if (file.endsWith('.js') || file.endsWith('.js.map')) {
    rmSync(join(nodes, file))
  }
}
