// The component server: node out/server.js --http --port 0 (StepFlow 0.9 subprocess mode) or --stdio.
import { createServer } from "./generated/components.js";
import * as impl from "./impl.js";

await createServer(impl).main(process.argv.slice(2));
