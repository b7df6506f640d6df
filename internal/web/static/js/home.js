import { status, showError } from "./api.js";
import { count, fill, stat, time } from "./dom.js";

const el = document.getElementById("chain-stats");
try {
  const st = await status();
  fill(el,
    stat("Chain", st.chain_id),
    stat("Height", count(st.latest_block_height)),
    stat("Latest block", time(st.latest_block_time)),
    stat("Node", st.moniker || st.node_id),
    stat("Software", "CometBFT " + st.node_version + " · app protocol " + st.app_version));
} catch (e) {
  showError(el, e);
}
