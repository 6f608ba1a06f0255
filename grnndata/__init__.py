"""grnndata: gene networks stored in AnnData ``varp``.

Convention: ``network[i, j]`` is the score of the edge regulator i -> target j (rows = sources, columns = targets).
"""
