// The one way an outbound response body is read into memory: at most `limit` bytes, then the
// response is aborted (its connection is closed, not reused), so whoever answers cannot make
// Gatehouse buffer more than the caller asked for.

export interface LimitedBody {
  bytes: Buffer;
  /** True when the body was longer than the limit and only its start was read. */
  cut: boolean;
}

export async function readLimited(body: AsyncIterable<Buffer>, limit: number): Promise<LimitedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    // Leaving the loop destroys the stream, which aborts the response.
    if (size > limit) return { bytes: Buffer.concat(chunks, size).subarray(0, limit), cut: true };
  }
  return { bytes: Buffer.concat(chunks, size), cut: false };
}
