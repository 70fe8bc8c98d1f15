// Reading whole streams in tests (logs, exec output).

/** Everything the stream yields until it ends, as text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}
