import { defineConfig } from "vite";

// 'assets' is the ArcGIS SDK's own folder name: the app's bundles go elsewhere. The token module is linked from
// clients/arcgis-token (file: dependency): its peer @arcgis/core resolves to this app's copy.
export default defineConfig({
  build: { assetsDir: "app", chunkSizeWarningLimit: 10000 },
  resolve: { dedupe: ["@arcgis/core"] },
});
