// The example page: a SubSocket in the browser, subscribed to `prices.*` on a Node publisher over
// WebSocket, showing each message as it arrives. The publisher's URL is in <body data-publisher>.
import { SubSocket } from "@msg/socket";
import { WsTransport } from "@msg/transport-ws";

const publisher = document.body.dataset.publisher ?? `ws://${location.hostname}:8081/events`;
const status = document.getElementById("status")!;
const rows = document.getElementById("messages")!;
const count = document.getElementById("count")!;
const MAX_ROWS = 12;
let received = 0;

const sub = new SubSocket(new WsTransport(), { reconnectInitialDelay: 200 });
sub.on("connected", ({ address }) => {
  status.textContent = `connected to ${address}`;
  status.className = "up";
});
sub.on("disconnected", () => {
  status.textContent = "disconnected, reconnecting...";
  status.className = "down";
});
await sub.subscribe("prices.*");
void sub.connect(publisher);

for await (const { topic, payload } of sub) {
  const { symbol, price, time } = JSON.parse(new TextDecoder().decode(payload)) as {
    symbol: string;
    price: number;
    time: string;
  };
  const row = document.createElement("tr");
  for (const text of [time.slice(11, 23), topic, symbol, price.toFixed(2)]) {
    const cell = document.createElement("td");
    cell.textContent = text;
    row.append(cell);
  }
  rows.prepend(row);
  while (rows.children.length > MAX_ROWS) rows.lastElementChild?.remove();
  count.textContent = String(++received);
}
