// Node-RED serves icons only from beside the node's .js, and npm pack drops symlinks: copy them.
import { cpSync } from 'node:fs'

cpSync(new URL('../icons/', import.meta.url), new URL('../nodes/icons/', import.meta.url), {
  recursive: true,
})
