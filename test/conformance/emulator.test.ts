// One process for every suite that drives the emulator: loading Stripe's description and compiling its
// schemas costs about a second per process, paid once here instead of once per file.
import './catalog.suite.js';
import './checkout-flow.suite.js';
import './checkout-sessions.suite.js';
import './disputes.suite.js';
import './errors.suite.js';
import './events-webhooks.suite.js';
import './payment-intents.suite.js';
import './refunds.suite.js';
import './parameters.suite.js';
