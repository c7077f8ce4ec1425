// A small SMTP server for the browser tests: it speaks enough of RFC 5321 for servicefit's
// mailer (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), takes every message and keeps it, so a
// test can read what was sent. Plain text on 127.0.0.1, a free port, no dependency.
import { createServer } from "node:net";

/** Starts the sink; resolves to `{ url, messages, waitForMessages(n), close() }`. */
export async function startSmtpSink() {
  const messages = [];
  const waiting = new Set();
  const server = createServer((socket) => {
    let envelope = { from: "", to: [] };
    let data = null; // the lines after DATA, until the lone "."
    let buffer = "";
    const reply = (line) => socket.write(`${line}\r\n`);
    socket.setEncoding("utf8");
    socket.on("error", () => {});
    reply("220 sink.servicefit.test ESMTP");
    socket.on("data", (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf("\r\n")) !== -1) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === ".") {
            messages.push({ ...envelope, data: data.join("\r\n") });
            envelope = { from: "", to: [] };
            data = null;
            reply("250 kept");
            for (const check of waiting) check();
          } else {
            data.push(line.startsWith(".") ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") reply("250 sink.servicefit.test");
        else if (verb === "MAIL") (envelope.from = address(line)), reply("250 ok");
        else if (verb === "RCPT") envelope.to.push(address(line)), reply("250 ok");
        else if (verb === "DATA") (data = []), reply("354 end with <CRLF>.<CRLF>");
        else if (verb === "RSET") (envelope = { from: "", to: [] }), reply("250 ok");
        else if (verb === "NOOP") reply("250 ok");
        else if (verb === "QUIT") reply("221 bye"), socket.end();
        else reply("502 not implemented");
      }
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `smtp://127.0.0.1:${server.address().port}`,
    messages,
    /** Resolves once `n` messages have arrived in all, or rejects after `ms`. */
    waitForMessages(n, ms = 15000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length >= n) {
            waiting.delete(check);
            clearTimeout(timer);
            resolve(messages.slice());
          }
        };
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`${messages.length} of ${n} emails arrived within ${ms} ms`));
        }, ms);
        waiting.add(check);
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function address(line) {
  return (line.match(/<([^>]*)>/) || [])[1] ?? "";
}

/** A header of a kept message, unfolded and with RFC 2047 encoded words decoded. */
export function header(message, name) {
  const head = message.data.split("\r\n\r\n")[0].replace(/\r\n[ \t]+/g, " ");
  const line = head.split("\r\n").find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (line === undefined) return undefined;
  return line
    .slice(name.length + 1)
    .trim()
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([bq])\?([^?]*)\?=/gi, (_, _charset, enc, text) =>
      enc.toLowerCase() === "b"
        ? Buffer.from(text, "base64").toString("utf8")
        : Buffer.from(text.replace(/_/g, " ").replace(/=([0-9a-f]{2})/gi, (_m, h) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8"),
    );
}
