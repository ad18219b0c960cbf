"""The embedded demo: a synthetic tracking detector, the Interaction Network trained on it
(checkpoint shipped beside this file), and the `gnnc demo` flow (compile, write, C-simulate,
report) that needs nothing but the installed package."""
