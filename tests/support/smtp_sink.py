"""A real SMTP server for the notification tests (aiosmtpd): it listens on a free port of
127.0.0.1, prints `PORT <n>` once it listens, and writes every message it accepts to the
folder given as its only argument, one `<n>.txt` file each, decoded for reading: the
envelope's recipients, the subject and message id as headers, a blank line, the text. Runs
until it is killed."""

import asyncio
import email
import email.policy
import os
import sys

from aiosmtpd.smtp import SMTP


class Keep:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, f"{self.count:06}.txt")
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        text = (
            "To: " + ",".join(envelope.rcpt_tos) + "\n"
            + "Subject: " + str(message["subject"]) + "\n"
            + "Message-ID: " + str(message["message-id"]) + "\n\n"
            + message.get_content()
        )
        with open(path + ".part", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".part", path)
        return "250 OK queued as sink-%06d" % self.count


async def main(folder):
    loop = asyncio.get_running_loop()
    handler = Keep(folder)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="smtp-sink", decode_data=False), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
