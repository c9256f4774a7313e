/**
 * A loopback server that speaks enough of the Anthropic Messages API for the real Claude Code CLI:
 * POST /v1/messages (streamed SSE or plain JSON), POST /v1/messages/count_tokens, and a sensible
 * answer to anything else (logged). It replays a scripted conversation: the turn is chosen by how
 * many assistant messages the request already carries, so a client's retries or stream→non-stream
 * fallbacks get the same answer. Requests are recorded for assertions (model, auth headers).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptedTurn =
  | { kind: 'text'; text: string }
  | { kind: 'tool_use'; name: string; input: Record<string, unknown>; text?: string }
  | {
      kind: 'error';
      status: number;
      type: string;
      message: string;
      headers?: Record<string, string>;
    }
  /** Accept the request and never answer (a hung upstream). */
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  model?: string;
  stream?: boolean;
  /** The turn served (for conversation requests). */
  turn?: number;
  /** Whether the request offered tools (side requests such as title generation do not). */
  withTools?: boolean;
}

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

interface MessageBody {
  model?: string;
  stream?: boolean;
  tools?: unknown[];
  messages?: { role: string; content: unknown }[];
}

let ids = 0;
const nextId = (prefix: string) => `${prefix}_${(ids += 1).toString().padStart(6, '0')}`;

function contentOf(turn: ScriptedTurn & { kind: 'text' | 'tool_use' }) {
  const blocks: Record<string, unknown>[] = [];
  const text = turn.kind === 'text' ? turn.text : turn.text;
  if (text !== undefined) blocks.push({ type: 'text', text });
  if (turn.kind === 'tool_use')
    blocks.push({ type: 'tool_use', id: nextId('toolu'), name: turn.name, input: turn.input });
  return blocks;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': nextId('req'),
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function sendMessage(res: http.ServerResponse, model: string, stream: boolean, turn: ScriptedTurn) {
  if (turn.kind === 'hang') return; // keep the socket open, answer nothing
  if (turn.kind === 'error') {
    sendJson(
      res,
      turn.status,
      { type: 'error', error: { type: turn.type, message: turn.message } },
      turn.headers ?? {},
    );
    return;
  }
  const content = contentOf(turn);
  const stopReason = turn.kind === 'tool_use' ? 'tool_use' : 'end_turn';
  const id = nextId('msg');
  const usage = { input_tokens: 12, output_tokens: 8 };
  if (!stream) {
    sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': nextId('req'),
  });
  const event = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 1 },
    },
  });
  event('ping', {});
  content.forEach((block, index) => {
    if (block['type'] === 'text') {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      event('content_block_delta', { index, delta: { type: 'text_delta', text: block['text'] } });
    } else {
      event('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: block['id'], name: block['name'], input: {} },
      });
      // Split the JSON in two deltas, as real streams do, so the client must concatenate.
      const json = JSON.stringify(block['input']);
      const half = Math.floor(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)])
        event('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: part },
        });
    }
    event('content_block_stop', { index });
  });
  event('message_delta', {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: 8 },
  });
  event('message_stop', {});
  res.end();
}

/** Starts the server on 127.0.0.1 and a free port. `turns[i]` answers the i-th assistant turn. */
export async function startFakeAnthropic(options: {
  turns: ScriptedTurn[];
  log?: (line: string) => void;
  /** Awaited before a conversation turn is answered (e.g. to inspect the running client). */
  beforeAnswer?: (request: RecordedRequest) => Promise<void> | void;
}): Promise<FakeAnthropic> {
  const requests: RecordedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => void answer());
    const answer = async () => {
      const path = (req.url ?? '/').split('?')[0] as string;
      const record: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers };
      requests.push(record);
      let body: MessageBody = {};
      try {
        body = raw === '' ? {} : (JSON.parse(raw) as MessageBody);
      } catch {
        sendJson(res, 400, {
          type: 'error',
          error: { type: 'invalid_request_error', message: 'bad JSON' },
        });
        return;
      }
      if (body.model !== undefined) record.model = body.model;
      if (body.stream !== undefined) record.stream = body.stream;
      options.log?.(
        `${record.method} ${req.url} model=${body.model ?? '-'} stream=${body.stream ?? '-'}`,
      );
      if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
        sendJson(res, 200, { input_tokens: 42 });
        return;
      }
      if (req.method === 'POST' && path === '/v1/messages') {
        record.withTools = (body.tools?.length ?? 0) > 0;
        const model = body.model ?? 'unknown';
        if (!record.withTools) {
          // A side request (title, summary, quota probe): a short harmless answer.
          sendMessage(res, model, body.stream === true, { kind: 'text', text: 'ok' });
          return;
        }
        const turn = (body.messages ?? []).filter((m) => m.role === 'assistant').length;
        record.turn = turn;
        const scripted = options.turns[Math.min(turn, options.turns.length - 1)] ?? {
          kind: 'text',
          text: 'Done.',
        };
        if (scripted.kind === 'hang') hanging.add(res);
        await options.beforeAnswer?.(record);
        sendMessage(res, model, body.stream === true, scripted);
        return;
      }
      if (req.method === 'HEAD' || path === '/') {
        res.writeHead(200);
        res.end();
        return;
      }
      if (req.method === 'GET' && path === '/v1/models') {
        sendJson(res, 200, { data: [], has_more: false, first_id: null, last_id: null });
        return;
      }
      sendJson(res, 404, {
        type: 'error',
        error: { type: 'not_found_error', message: `no ${path} here` },
      });
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
