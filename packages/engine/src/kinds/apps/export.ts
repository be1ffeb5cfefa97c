/** The .qvf export of an app. */

/**
 * An export's body, failing at its end when not a single byte came: a .qvf is never empty,
 * so an empty download (a 204, a cut-off export) is a failed export, never a stored 0-byte file.
 */
export async function* nonEmpty(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.byteLength;
    yield chunk;
  }
  if (bytes === 0) throw new Error("the export delivered an empty file (0 bytes), not a .qvf; back up this app again later");
}
