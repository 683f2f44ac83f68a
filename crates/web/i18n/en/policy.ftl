# Refusals from the policy engine, in the reader's language (ids are the Denial's message ids).
