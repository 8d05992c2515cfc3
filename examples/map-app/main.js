// The page: one call connects the ArcGIS Maps SDK to the backend's token exchange (@arcgis-bridge/arcgis-token, in
// clients/arcgis-token): the user's ArcGIS token is registered for the portal and the layer's service (ArcGIS Online)
// or the portal alone, with the federated server declared (ArcGIS Enterprise), renewed before it expires, replaced once
// after a 498, and a link offered when the user must link ArcGIS once. The secured FeatureLayer then loads without a
// sign-in dialog. window.mapState is what the browser test reads.
import esriConfig from "@arcgis/core/config.js";
import IdentityManager from "@arcgis/core/identity/IdentityManager.js";
import ServerInfo from "@arcgis/core/identity/ServerInfo.js";
import EsriMap from "@arcgis/core/Map.js";
import MapView from "@arcgis/core/views/MapView.js";
import FeatureLayer from "@arcgis/core/layers/FeatureLayer.js";
import * as reactiveUtils from "@arcgis/core/core/reactiveUtils.js";
import { connectArcGisToken } from "@arcgis-bridge/arcgis-token";

const state = { dialogs: 0, tokensRegistered: 0, renewals: [], linkOffered: 0, drawn: 0, queried: 0, error: null };
window.mapState = state;
const show = (id, text) => { document.getElementById(id).textContent = text; };

IdentityManager.on("dialog-create", () => { state.dialogs += 1; show("status", "sign-in dialog opened"); });

function offerLink(url) {
  state.linkOffered += 1;
  const link = Object.assign(document.createElement("a"), { id: "link-arcgis", href: url, textContent: "Link your ArcGIS account (once)" });
  document.getElementById("status").replaceChildren(link);
}

async function start() {
  const config = await (await fetch("/api/config")).json();
  esriConfig.assetsPath = "/arcgis-assets";
  esriConfig.fontsUrl = `${location.origin}/arcgis-assets/fonts`;
  esriConfig.portalUrl = config.portal;

  let expires = null;
  const session = await connectArcGisToken({
    tokenUrl: "/api/arcgis-token",
    identityManager: IdentityManager,
    ServerInfo,
    // ArcGIS Online: the hosted service itself (a token registered only for sharing/rest does not cover it).
    services: config.federatedServer ? [] : [config.layerUrl.replace(/\/FeatureServer\/.*$/, "/FeatureServer")],
    // ArcGIS Enterprise: the federated server; the SDK trades the portal token for its server tokens.
    federatedServers: config.federatedServer ? [config.federatedServer] : [],
    linkRequired: "callback",
    onLinkRequired: offerLink,
    onToken: (event) => {
      state.tokensRegistered += 1;
      if (event.reason !== "initial") state.renewals.push({ reason: event.reason, at: Date.now(), previousExpires: expires });
      expires = event.expires;
      show("user", `${event.userId} (token ${state.tokensRegistered})`);
    },
    onError: (error) => { state.error = error.message; },
  });
  window.mapApp = { session, identityManager: IdentityManager };
  document.getElementById("sign-out").hidden = false;
  document.getElementById("sign-out").onclick = () => {
    session.destroy();
    location.assign("/logout");
  };

  const layer = new FeatureLayer({ url: config.layerUrl, outFields: ["*"] });
  await layer.load();
  const view = new MapView({ container: "view", map: new EsriMap({ layers: [layer] }), extent: layer.fullExtent });
  const layerView = await view.whenLayerView(layer);
  await reactiveUtils.whenOnce(() => !layerView.updating);
  state.drawn = (await layerView.queryFeatures()).features.length;
  state.queried = await layer.queryFeatureCount();
  show("drawn", state.drawn);
  show("queried", state.queried);
  window.requery = async () => (state.queried = await layer.queryFeatureCount({ cacheHint: false }));
}

start().catch((error) => {
  state.error = error.message;
  if (error.code !== "link_required") show("status", error.message);
});
