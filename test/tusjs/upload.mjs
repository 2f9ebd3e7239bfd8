// Uploads one file to a Shilu server with tus-js-client, the reference
// JavaScript tus client, and prints "recording <id>" on success.
// Usage: node upload.mjs ENDPOINT TOKEN FILE SHA256HEX
import * as tus from 'tus-js-client'
import fs from 'node:fs'
import path from 'node:path'

const [endpoint, token, file, sha256] = process.argv.slice(2)
const size = fs.statSync(file).size
let recordingID = ''
const upload = new tus.Upload(fs.createReadStream(file), {
  endpoint,
  uploadSize: size,
  chunkSize: 4 * 1024 * 1024, // required for streams; several PATCH requests
  retryDelays: [0, 300, 1000, 3000],
  headers: { Authorization: 'Bearer ' + token },
  metadata: { filename: path.basename(file), sha256 },
  onAfterResponse (req, res) {
    const id = res.getHeader('Shilu-Recording-Id')
    if (id) recordingID = id
  },
  onError (err) {
    console.error('upload failed:', err.message)
    process.exit(1)
  },
  onSuccess () {
    console.log('recording ' + recordingID)
  },
})
upload.start()
