"""medlens.web"""
