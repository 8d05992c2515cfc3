// The page: registers the user's ArcGIS token (from the backend's token exchange) with the SDK's IdentityManager,
// so the secured FeatureLayer loads without a sign-in dialog, and registers a new one before each token expires.
import esriConfig from "@arcgis/core/config.js";
import IdentityManager from "@arcgis/core/identity/IdentityManager.js";
import EsriMap from "@arcgis/core/Map.js";
import MapView from "@arcgis/core/views/MapView.js";
import FeatureLayer from "@arcgis/core/layers/FeatureLayer.js";
import * as reactiveUtils from "@arcgis/core/core/reactiveUtils.js";

const state = { dialogs: 0, tokensRegistered: 0, drawn: 0, queried: 0, error: null };
window.mapState = state;
const show = (id, text) => { document.getElementById(id).textContent = text; };

IdentityManager.on("dialog-create", () => { state.dialogs += 1; show("status", "sign-in dialog opened"); });

async function registerFreshToken(layerUrl) {
  const response = await fetch("/api/arcgis-token");
  const token = await response.json();
  if (!response.ok) {
    if (token["account-link-url"]) {
      document.getElementById("status").innerHTML = `<a id="link-arcgis" href="${token["account-link-url"]}">Link your ArcGIS account (once)</a>`;
    }
    throw new Error(token.error_description ?? token.error);
  }
  const credential = { token: token.access_token, userId: token.userId, expires: token.expires, ssl: token.ssl };
  // The portal, and the feature service itself: a token registered only for sharing/rest does not cover it.
  IdentityManager.registerToken({ server: token.server, ...credential });
  IdentityManager.registerToken({ server: layerUrl.replace(/\/FeatureServer\/.*$/, "/FeatureServer"), ...credential });
  state.tokensRegistered += 1;
  show("user", `${token.userId} (token ${state.tokensRegistered})`);
  // A new exchange shortly before expiry; the backend's vault decides whether ArcGIS must be asked.
  setTimeout(() => registerFreshToken(layerUrl).catch((e) => { state.error = e.message; }),
    Math.max(1000, token.expires - Date.now() - 5000));
}

async function start() {
  const config = await (await fetch("/api/config")).json();
  esriConfig.assetsPath = "/arcgis-assets";
  esriConfig.fontsUrl = `${location.origin}/arcgis-assets/fonts`;
  esriConfig.portalUrl = config.portal;
  await registerFreshToken(config.layerUrl);

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
  if (!document.getElementById("link-arcgis")) show("status", error.message);
});
