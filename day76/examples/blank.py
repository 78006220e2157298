# The untouched release: every answer cell still raises NotImplementedError.
