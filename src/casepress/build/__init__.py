"""One build context and one driver: briefs, handbooks and the site as kinds of output;
workers, the cache, atomic writing. The only package that writes under the output folder.
"""
