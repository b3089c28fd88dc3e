"""medlens.cli"""
