// Serves the test components: node main.js --stdio | --http [--port N] [--max-message N]
import { createServer } from "./generated/components.js";
import * as impl from "./impl.js";

await createServer(impl).main(process.argv.slice(2));
